/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The request dispatcher over the in-memory software key backend: each
 * input is one request payload, decoded and handed to signerd_handle as a
 * worker would. At start the harness makes one repository,
 * example.com/fuzz; the literal "@base" in an input is replaced by its
 * base files (root, targets, snapshot) so that inputs reach the metadata
 * code, not only the field checks. The ledger lives in a temporary
 * directory; there is no audit log (it would only cost fsyncs).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "keys.h"
#include "keys_soft.h"
#include "ledger.h"
#include "ops.h"
#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct signerd sd;
static struct keys keys;
static struct json_buf base;	/* {"root":…,"snapshot":…,"targets":…} */
static int ready;

static int
run(const uint8_t *req, size_t len, struct json_buf *out)
{
	struct server_peer peer = { .pid = 1, .conn_id = 1 };
	struct proto_req r;
	struct proto_error err;
	struct proto_att att;
	int rc;

	memset(&r, 0, sizeof(r));
	proto_att_init(&att);
	proto_error_clear(&err);
	rc = proto_req_decode(req, len, &sd.limits, &r, &err);
	if (rc == 0)
		rc = signerd_handle(&sd, &peer, &r, out, &att, &err);
	proto_req_cleanup(&r);
	proto_att_cleanup(&att);
	return rc;
}

static void
setup(void)
{
	static char dir[] = "/tmp/fuzz_signerd.XXXXXX";
	static const char init[] = "{\"v\":1,\"op\":\"repo.init\",\"gun\":"
	    "\"example.com/fuzz\",\"timestamp_key\":\"{\\\"keytype\\\":"
	    "\\\"ed25519\\\",\\\"keyval\\\":{\\\"private\\\":null,\\\"public\\\":"
	    "\\\"SWXxueLtweoMrCDb3qDHaBNgdBhW2EQUq04ZJ4yDLoc=\\\"}}\"}";
	const struct keys_backend_ops *ops;
	struct ledger *l;
	struct json_buf out;
	struct json_doc *doc = NULL;
	const struct json_value *files;
	void *ctx;
	char msg[256];

	if (mkdtemp(dir) == NULL || keys_soft_new(1, &ops, &ctx) != 0 ||
	    keys_init(&keys, ops, ctx) != 0 ||
	    ledger_open(dir, &l, msg, sizeof(msg)) != 0 ||
	    signerd_init(&sd) != 0)
		abort();
	sd.keys = &keys;
	sd.ledger = l;
	json_buf_init(&out);
	json_buf_init(&base);
	if (run((const uint8_t *)init, sizeof(init) - 1, &out) != 0 ||
	    json_doc_parse(out.data, out.len, NULL, &doc, NULL) != 0 ||
	    (files = json_object_get(json_doc_root(doc), "files")) == NULL)
		abort();
	json_write_canonical(&base, files);
	json_doc_free(doc);
	json_buf_cleanup(&out);
	ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char mark[] = "\"@base\"";
	struct json_buf req, out;
	size_t i = 0;

	if (!ready)
		setup();
	json_buf_init(&req);
	json_buf_init(&out);
	while (i < size) {
		if (size - i >= sizeof(mark) - 1 &&
		    memcmp(data + i, mark, sizeof(mark) - 1) == 0) {
			json_put_raw(&req, base.data, base.len);
			i += sizeof(mark) - 1;
		} else
			json_put_char(&req, (char)data[i++]);
	}
	if (req.err == 0 && run(req.data, req.len, &out) == 0 &&
	    getenv("FUZZ_SIGNERD_DEBUG") != NULL)
		fprintf(stderr, "ok: %.80s\n", (const char *)out.data);
	json_buf_cleanup(&req);
	json_buf_cleanup(&out);
	return 0;
}
