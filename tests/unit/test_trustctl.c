/* SPDX-License-Identifier: Apache-2.0 */
/*
 * trustctl's pure parts: the docker trust inspect formatter (expected bytes
 * captured from docker CLI 28's `docker trust inspect` on repositories the
 * real notary made) and the trust store (round trip, atomic replacement,
 * refusals).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "inspect_fmt.h"
#include "json.h"
#include "truststore.h"

#define BOB	"fafe772a4bc1baa0742972cef0a0149a20b9c67747da7b04ddec5b75f55c81ba"
#define ROOTK	"8d12ed7fab26244d5d0d9c33268b49b2cd5175d0bee76de1be5b39ecd3384377"
#define REPOK	"ce1ef7f1f7d8dee6309f5d6381f92e885041f107899eeb40b93814cbca7abc46"
#define D10	"fa8b919c909d5eb9e373d090928170eb0e7936ac20ccf413332b96520903168e"
#define DADM	"8c6976e5b5410415bde908bd4dee15dfb167a9c873fc4bb8a81f6f2ab448a918"

static const char *bobs[] = { "bob" };
static const char *admin[] = { "Repo Admin" };
static const char *bobkeys[] = { BOB };
static const char *rootkeys[] = { ROOTK };
static const char *repokeys[] = { REPOK };

static void
dockerapp(struct insp_repo *r, struct insp_tag *tags, struct insp_signer *sg)
{
	memset(r, 0, sizeof(*r));
	memset(tags, 0, 2 * sizeof(*tags));
	tags[0].name = "1.0";
	tags[0].name_len = 3;
	memcpy(tags[0].digest, D10, 65);
	tags[0].signers = bobs;
	tags[0].nsigners = 1;
	tags[1].name = "admin";
	tags[1].name_len = 5;
	memcpy(tags[1].digest, DADM, 65);
	tags[1].signers = admin;
	tags[1].nsigners = 1;
	sg->name = "bob";
	sg->keys = bobkeys;
	sg->nkeys = 1;
	r->name = r->gun = "registry.example/dockerapp";
	r->tags = tags;
	r->ntags = 2;
	r->signers = sg;
	r->nsigners = 1;
	r->root_keys = rootkeys;
	r->nroot_keys = 1;
	r->repo_keys = repokeys;
	r->nrepo_keys = 1;
}

static void
expect_buf(struct json_buf *b, const char *want)
{
	assert_int_equal(b->err, 0);
	if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0) {
		fprintf(stderr, "got:\n%.*s\nwant:\n%s\n", (int)b->len,
		    (const char *)b->data, want);
		fail();
	}
}

static void
test_pretty_docker(void **state)
{
	struct insp_repo	r;
	struct insp_tag		tags[2];
	struct insp_signer	sg;
	struct json_buf		b;

	(void)state;
	dockerapp(&r, tags, &sg);
	json_buf_init(&b);
	insp_write_pretty(&b, &r);
	expect_buf(&b,
	    "\nSignatures for registry.example/dockerapp\n\n"
	    "SIGNED TAG   DIGEST                                                             SIGNERS\n"
	    "1.0          " D10 "   bob\n"
	    "admin        " DADM "   (Repo Admin)\n"
	    "\nList of signers and their keys for registry.example/dockerapp\n\n"
	    "SIGNER    KEYS\n"
	    "bob       fafe772a4bc1\n"
	    "\nAdministrative keys for registry.example/dockerapp\n\n"
	    "  Repository Key:\t" REPOK "\n"
	    "  Root Key:\t" ROOTK "\n");
	json_buf_cleanup(&b);

	/* No tags: "No signatures", then two blank lines. */
	r.ntags = 0;
	json_buf_init(&b);
	insp_write_pretty(&b, &r);
	expect_buf(&b,
	    "\nNo signatures for registry.example/dockerapp\n\n"
	    "\nList of signers and their keys for registry.example/dockerapp\n\n"
	    "SIGNER    KEYS\n"
	    "bob       fafe772a4bc1\n"
	    "\nAdministrative keys for registry.example/dockerapp\n\n"
	    "  Repository Key:\t" REPOK "\n"
	    "  Root Key:\t" ROOTK "\n");
	json_buf_cleanup(&b);

	/* No signers: the section is left out. */
	r.ntags = 1;
	r.tags = &tags[1];
	r.nsigners = 0;
	json_buf_init(&b);
	insp_write_pretty(&b, &r);
	expect_buf(&b,
	    "\nSignatures for registry.example/dockerapp\n\n"
	    "SIGNED TAG   DIGEST                                                             SIGNERS\n"
	    "admin        " DADM "   (Repo Admin)\n"
	    "\nAdministrative keys for registry.example/dockerapp\n\n"
	    "  Repository Key:\t" REPOK "\n"
	    "  Root Key:\t" ROOTK "\n");
	json_buf_cleanup(&b);
}

/* Column widths as docker counts them: é 1, 日 2, U+2028 0 (observed). */
static void
test_pretty_widths(void **state)
{
	static const char *names[] = { "ab\xc3\xa9" "cd", "line\xe2\x80\xa8sep",
	    "x\xe6\x97\xa5y" };
	static const char *want_rows[] = {
	    "ab\xc3\xa9" "cd" "        ",
	    "line\xe2\x80\xa8sep" "      ",
	    "x\xe6\x97\xa5y" "         ",
	};
	struct insp_repo	r;
	struct insp_tag		tags[3];
	struct json_buf		b;
	char			want[2048];
	size_t			i, off = 0;

	(void)state;
	memset(&r, 0, sizeof(r));
	memset(tags, 0, sizeof(tags));
	for (i = 0; i < 3; i++) {
		tags[i].name = names[i];
		tags[i].name_len = strlen(names[i]);
		memset(tags[i].digest, 'a', 64);
		tags[i].signers = admin;
		tags[i].nsigners = 1;
	}
	r.name = r.gun = "example.com/w";
	r.tags = tags;
	r.ntags = 3;
	r.root_keys = rootkeys;
	r.nroot_keys = 1;
	r.repo_keys = repokeys;
	r.nrepo_keys = 1;
	off += (size_t)snprintf(want + off, sizeof(want) - off,
	    "\nSignatures for example.com/w\n\n"
	    "SIGNED TAG   DIGEST                                                             SIGNERS\n");
	for (i = 0; i < 3; i++)
		off += (size_t)snprintf(want + off, sizeof(want) - off,
		    "%s%s   (Repo Admin)\n", want_rows[i], tags[i].digest);
	(void)snprintf(want + off, sizeof(want) - off,
	    "\nAdministrative keys for example.com/w\n\n"
	    "  Repository Key:\t" REPOK "\n  Root Key:\t" ROOTK "\n");
	json_buf_init(&b);
	insp_write_pretty(&b, &r);
	expect_buf(&b, want);
	json_buf_cleanup(&b);
}

static void
test_json_docker(void **state)
{
	struct insp_repo	r[2];
	struct insp_tag		tags[2];
	struct insp_signer	sg;
	struct json_buf		b;

	(void)state;
	dockerapp(&r[0], tags, &sg);
	json_buf_init(&b);
	insp_write_json(&b, r, 0);
	expect_buf(&b, "[]\n");
	json_buf_cleanup(&b);

	r[0].ntags = 1;
	r[0].tags = &tags[1];
	r[0].name = "registry.example/dockerapp:admin";
	r[1] = r[0];
	r[1].name = "x<y>&z\xe2\x80\xa8\"";
	r[1].ntags = 0;
	r[1].nsigners = 0;
	json_buf_init(&b);
	insp_write_json(&b, r, 2);
	expect_buf(&b,
"[\n"
"    {\n"
"        \"Name\": \"registry.example/dockerapp:admin\",\n"
"        \"SignedTags\": [\n"
"            {\n"
"                \"SignedTag\": \"admin\",\n"
"                \"Digest\": \"" DADM "\",\n"
"                \"Signers\": [\n"
"                    \"Repo Admin\"\n"
"                ]\n"
"            }\n"
"        ],\n"
"        \"Signers\": [\n"
"            {\n"
"                \"Name\": \"bob\",\n"
"                \"Keys\": [\n"
"                    {\n"
"                        \"ID\": \"" BOB "\"\n"
"                    }\n"
"                ]\n"
"            }\n"
"        ],\n"
"        \"AdministrativeKeys\": [\n"
"            {\n"
"                \"Name\": \"Root\",\n"
"                \"Keys\": [\n"
"                    {\n"
"                        \"ID\": \"" ROOTK "\"\n"
"                    }\n"
"                ]\n"
"            },\n"
"            {\n"
"                \"Name\": \"Repository\",\n"
"                \"Keys\": [\n"
"                    {\n"
"                        \"ID\": \"" REPOK "\"\n"
"                    }\n"
"                ]\n"
"            }\n"
"        ]\n"
"    },\n"
"    {\n"
"        \"Name\": \"x\\u003cy\\u003e\\u0026z\\u2028\\\"\",\n"
"        \"SignedTags\": [],\n"
"        \"Signers\": [],\n"
"        \"AdministrativeKeys\": [\n"
"            {\n"
"                \"Name\": \"Root\",\n"
"                \"Keys\": [\n"
"                    {\n"
"                        \"ID\": \"" ROOTK "\"\n"
"                    }\n"
"                ]\n"
"            },\n"
"            {\n"
"                \"Name\": \"Repository\",\n"
"                \"Keys\": [\n"
"                    {\n"
"                        \"ID\": \"" REPOK "\"\n"
"                    }\n"
"                ]\n"
"            }\n"
"        ]\n"
"    }\n"
"]\n");
	json_buf_cleanup(&b);
}

/* ---- trust store ---- */

static char dir[256];

static int
setup_dir(void **state)
{
	(void)state;
	(void)snprintf(dir, sizeof(dir), "%s/tc-store.XXXXXX",
	    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown_dir(void **state)
{
	char	cmd[400];

	(void)state;
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_store_roundtrip(void **state)
{
	static const char root[] = "{\"signed\":{\"x\":\"a\\u003cb \xe2\x80\xa8\"},"
	    "\"signatures\":[]}";
	struct truststore	s, l;
	const struct truststore_file *f;

	(void)state;
	memset(&s, 0, sizeof(s));
	/* A GUN never seen: empty, no error. */
	assert_int_equal(truststore_load(dir, "example.com/app", &l), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(truststore_set(&s, "root", (const uint8_t *)root,
	    strlen(root)), 0);
	assert_int_equal(truststore_set(&s, "targets/releases",
	    (const uint8_t *)"{}", 2), 0);
	assert_int_equal(truststore_set(&s, "root", (const uint8_t *)root,
	    strlen(root)), 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(truststore_save(dir, "example.com/app", &s), 0);
	assert_int_equal(truststore_load(dir, "example.com/app", &l), 0);
	assert_int_equal(l.n, 2);
	f = truststore_get(&l, "root");
	assert_non_null(f);
	assert_int_equal(f->len, strlen(root));
	assert_memory_equal(f->data, root, f->len);
	assert_non_null(truststore_get(&l, "targets/releases"));
	assert_null(truststore_get(&l, "snapshot"));
	truststore_free(&l);
	/* Replaced as a whole. */
	truststore_free(&s);
	assert_int_equal(truststore_set(&s, "root", (const uint8_t *)"{}", 2), 0);
	assert_int_equal(truststore_save(dir, "example.com/app", &s), 0);
	assert_int_equal(truststore_load(dir, "example.com/app", &l), 0);
	assert_int_equal(l.n, 1);
	truststore_free(&l);
	assert_int_equal(truststore_forget(dir, "example.com/app"), 0);
	assert_int_equal(truststore_load(dir, "example.com/app", &l), 0);
	assert_int_equal(l.n, 0);
	truststore_free(&s);
}

static void
test_store_refusals(void **state)
{
	struct truststore	s, l;
	char			path[512];
	FILE			*fp;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(truststore_set(&s, "root", (const uint8_t *)"{}", 2), 0);
	/* Names that could leave the store's directory. */
	assert_int_equal(truststore_save(dir, "../evil", &s),
	    TRUSTSTORE_ERR_INVAL);
	assert_int_equal(truststore_save(dir, "a//b", &s), TRUSTSTORE_ERR_INVAL);
	assert_int_equal(truststore_save(dir, "/abs/x", &s),
	    TRUSTSTORE_ERR_INVAL);
	assert_int_equal(truststore_load(dir, "x/.hidden", &l),
	    TRUSTSTORE_ERR_INVAL);
	/* Metadata that is not UTF-8 is refused and the old file stays. */
	assert_int_equal(truststore_save(dir, "example.com/k", &s), 0);
	truststore_free(&s);
	assert_int_equal(truststore_set(&s, "root", (const uint8_t *)"\xff", 1),
	    0);
	assert_int_not_equal(truststore_save(dir, "example.com/k", &s), 0);
	assert_int_equal(truststore_load(dir, "example.com/k", &l), 0);
	assert_int_equal(l.n, 1);
	assert_memory_equal(truststore_get(&l, "root")->data, "{}", 2);
	truststore_free(&l);
	truststore_free(&s);
	/* A damaged file is reported, not taken as empty. */
	(void)snprintf(path, sizeof(path), "%s/tuf/example.com/k/trust.json",
	    dir);
	assert_non_null(fp = fopen(path, "w"));
	fputs("{\"files\":{\"root\":1}}", fp);
	fclose(fp);
	assert_int_equal(truststore_load(dir, "example.com/k", &l),
	    TRUSTSTORE_ERR_CORRUPT);
	/* No temporary files left behind. */
	(void)snprintf(path, sizeof(path), "ls -A '%s/tuf/example.com/k' | "
	    "grep -qv '^trust.json$'", dir);
	assert_int_not_equal(system(path), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pretty_docker),
		cmocka_unit_test(test_pretty_widths),
		cmocka_unit_test(test_json_docker),
		cmocka_unit_test_setup_teardown(test_store_roundtrip,
		    setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_store_refusals,
		    setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
