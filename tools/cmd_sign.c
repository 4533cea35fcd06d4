/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl sign: one tag signed by signerd where docker would sign it, then published. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#include "json.h"
#include "proto.h"
#include "repo.h"
#include "trustctl.h"
#include "truststore.h"
#include "tuf.h"

static const char help[] =
"usage: trustctl sign GUN:TAG (--digest sha256:HEX --size N | --manifest FILE)\n"
"                     [--role ROLE]\n"
"Signs TAG for the manifest with that digest and size (or the digest and size\n"
"of FILE) and publishes it. Without --role it signs where docker would: into\n"
"each delegation of targets whose key signerd holds when the repository has\n"
"delegations, else into targets. A GUN with no trust data is initialised\n"
"first, as docker's first signed push does, when signerd can use the root\n"
"token; otherwise run `trustctl init GUN` at a ceremony.\n";

int
tc_update_roles(struct tc *t, struct repo *rp, const char *const *roles,
    size_t nroles, const struct json_buf *const *changes, const char *what)
{
	struct truststore	 cur, up;
	struct proto_resp	 resp;
	struct json_buf		 f;
	size_t			 i, j;
	int			 rc = -1;

	memset(&cur, 0, sizeof(cur));
	memset(&up, 0, sizeof(up));
	memset(&resp, 0, sizeof(resp));
	json_buf_init(&f);
	for (i = 0; i < rp->files.n; i++)
		if (truststore_set(&cur, rp->files.f[i].role,
		    rp->files.f[i].data, rp->files.f[i].len) != 0)
			goto nomem;
	for (i = 0; i < nroles; i++) {
		const char *base[] = { "root", "targets", roles[i],
		    "snapshot" };
		struct truststore got;

		json_buf_cleanup(&f);
		json_buf_init(&f);
		json_put_raw(&f, "\"gun\":", 6);
		json_put_str(&f, rp->gun, strlen(rp->gun));
		json_put_raw(&f, ",\"role\":", 8);
		json_put_str(&f, roles[i], strlen(roles[i]));
		json_put_char(&f, ',');
		json_put_raw(&f, changes[i]->data, changes[i]->len);
		json_put_char(&f, ',');
		tc_put_base(t, &f, &cur, base, 4);
		proto_resp_cleanup(&resp);
		if (tc_call(t, "targets.update", &f, &resp) != 0)
			goto out;
		memset(&got, 0, sizeof(got));
		if (tc_result_files(&resp, "targets.update", &got) != 0) {
			truststore_free(&got);
			goto out;
		}
		for (j = 0; j < got.n; j++)
			if (truststore_set(&cur, got.f[j].role, got.f[j].data,
			    got.f[j].len) != 0 || truststore_set(&up,
			    got.f[j].role, got.f[j].data, got.f[j].len) != 0) {
				truststore_free(&got);
				goto nomem;
			}
		truststore_free(&got);
	}
	if (tc_publish(t, rp->gun, &up) != 0)
		goto out;
	tc_keep_published(rp, &up);
	printf("%s in %s:", what, rp->gun);
	for (i = 0; i < nroles; i++)
		printf(" %s", roles[i]);
	putchar('\n');
	rc = 0;
	goto out;
nomem:
	tc_fail("out of memory");
out:
	truststore_free(&cur);
	truststore_free(&up);
	proto_resp_cleanup(&resp);
	json_buf_cleanup(&f);
	return rc;
}

static int
hex_of(const uint8_t d[32], char out[65])
{
	int	i;

	for (i = 0; i < 32; i++)
		(void)snprintf(out + 2 * i, 3, "%02x", d[i]);
	return 0;
}

int
cmd_sign(struct tc *t, int argc, char **argv)
{
	struct repo		*rp = NULL;
	struct proto_error	 pe;
	struct json_buf		 ch;
	const char		*ref = NULL, *digest = NULL, *size = NULL;
	const char		*manifest = NULL, *role = NULL, *tag;
	const char		**roles = NULL, *one[1];
	char			 gun[TC_GUN_MAX + 1], why[256], hexd[65];
	char			 what[300], *end;
	long long		 len = 0;
	size_t			 nroles = 0;
	int			 a, r, rc = TC_EXIT_FAIL;

	if (tc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return TC_EXIT_OK;
	}
	for (a = 1; a < argc; a++) {
		const char **slot = NULL;

		if (strcmp(argv[a], "--digest") == 0)
			slot = &digest;
		else if (strcmp(argv[a], "--size") == 0)
			slot = &size;
		else if (strcmp(argv[a], "--manifest") == 0)
			slot = &manifest;
		else if (strcmp(argv[a], "--role") == 0)
			slot = &role;
		else if (argv[a][0] == '-')
			return tc_usage("sign", "unknown option %s", argv[a]);
		else if (ref != NULL)
			return tc_usage("sign", "give exactly one GUN:TAG");
		else {
			ref = argv[a];
			continue;
		}
		if (a + 1 >= argc)
			return tc_usage("sign", "%s needs a value", argv[a]);
		*slot = argv[++a];
	}
	if (ref == NULL)
		return tc_usage("sign", "give GUN:TAG");
	if (tc_ref_parse(ref, gun, sizeof(gun), &tag, why, sizeof(why)) != 0)
		return tc_usage("sign", "\"%s\": %s", ref, why);
	if (tag == NULL)
		return tc_usage("sign", "\"%s\" names no tag (GUN:TAG)", ref);
	if (proto_tag_check("TAG", tag, strlen(tag), PROTO_TAG_DOCKER,
	    &pe) != 0)
		return tc_usage("sign", "%s", pe.message);
	if ((manifest != NULL) == (digest != NULL || size != NULL))
		return tc_usage("sign", "give --digest and --size, or "
		    "--manifest, not both");
	if (manifest == NULL && (digest == NULL || size == NULL))
		return tc_usage("sign", "--digest and --size go together");
	if (role != NULL && proto_role_check("--role", role, strlen(role),
	    PROTO_ROLE_TARGETS | PROTO_ROLE_DELEGATION, &pe) != 0)
		return tc_usage("sign", "%s", pe.message);
	if (manifest != NULL) {
		uint8_t *buf, d[32];
		size_t blen;

		if (tc_read_file(manifest, (size_t)1 << 30, &buf, &blen) != 0) {
			tc_fail("reading manifest %s: %s", manifest,
			    strerror(errno));
			return TC_EXIT_FAIL;
		}
		if (blen == 0) {
			free(buf);
			tc_fail("manifest %s is empty", manifest);
			return TC_EXIT_FAIL;
		}
		SHA256(buf, blen, d);
		free(buf);
		hex_of(d, hexd);
		len = (long long)blen;
	} else {
		if (strncmp(digest, "sha256:", 7) != 0 ||
		    proto_sha256_hex_check("--digest", digest + 7,
		    strlen(digest + 7), &pe) != 0)
			return tc_usage("sign", "--digest must be sha256: and "
			    "64 lowercase hex digits");
		memcpy(hexd, digest + 7, 65);
		errno = 0;
		len = strtoll(size, &end, 10);
		if (errno != 0 || *end != '\0' || end == size || len < 1)
			return tc_usage("sign", "--size must be a positive "
			    "number of bytes, got \"%s\"", size);
	}

	r = tc_repo_load(t, gun, 1, &rp);
	if (r == 1) {
		if (tc_repo_create(t, gun, 0, 1) != 0)
			return TC_EXIT_FAIL;
		r = tc_repo_load(t, gun, 0, &rp);
	}
	if (r != 0)
		return TC_EXIT_FAIL;
	if (role != NULL) {
		one[0] = role;
		if (strcmp(role, "targets") != 0 &&
		    tuf_verifier_get(rp->v, role) == NULL &&
		    tuf_delegation_find(&tuf_verifier_get(rp->v,
		    "targets")->targets, role) == NULL) {
			tc_fail("%s has no role %s", gun, role);
			goto out;
		}
	} else if (tc_signable_roles(t, rp, 0, &roles, &nroles) != 0)
		goto out;
	json_buf_init(&ch);
	json_put_raw(&ch, "\"add\":[{\"length\":", 17);
	json_put_int(&ch, len);
	json_put_raw(&ch, ",\"name\":", 8);
	json_put_str(&ch, tag, strlen(tag));
	json_put_raw(&ch, ",\"sha256\":", 10);
	json_put_str(&ch, hexd, 64);
	json_put_raw(&ch, "}],\"remove\":[]", 14);
	(void)snprintf(what, sizeof(what), "Signed %s (sha256:%s %lld)", tag,
	    hexd, len);
	{
		const struct json_buf **chs;

		nroles = role ? 1 : nroles;
		if ((chs = calloc(nroles, sizeof(*chs))) == NULL) {
			json_buf_cleanup(&ch);
			tc_fail("out of memory");
			goto out;
		}
		for (a = 0; (size_t)a < nroles; a++)
			chs[a] = &ch;
		r = tc_update_roles(t, rp, role ? one : roles, nroles, chs,
		    what);
		free(chs);
	}
	json_buf_cleanup(&ch);
	rc = r == 0 && tc_repo_commit(t, rp) == 0 ? TC_EXIT_OK : TC_EXIT_FAIL;
out:
	free(roles);
	repo_free(rp);
	return rc;
}
