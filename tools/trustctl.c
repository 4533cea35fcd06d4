/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl: global options, dispatch to one file per verb, shared helpers. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "notary_http.h"
#include "proto.h"
#include "repo.h"
#include "signerd_client.h"
#include "trustctl.h"

#define DEFAULT_SOCKET	"/run/signerd/signerd.sock"
#define CRED_MAX	4096

static const char usage_text[] =
"usage: trustctl [global options] COMMAND [ARGS]\n"
"  -s, --server URL      Notary server (env TRUSTCTL_SERVER, else\n"
"                        DOCKER_CONTENT_TRUST_SERVER)\n"
"      --tlscacert FILE  CA bundle for the server (env TRUSTCTL_TLS_CA)\n"
"  -d, --trust-dir DIR   trust store (env TRUSTCTL_TRUST_DIR, default ~/.trustctl)\n"
"  -S, --socket PATH     signerd socket (env SIGNERD_SOCKET,\n"
"                        default " DEFAULT_SOCKET ")\n"
"\n"
"commands:\n"
"  init GUN [--local-snapshot]\n"
"  sign GUN:TAG (--digest sha256:HEX --size N | --manifest FILE) [--role ROLE]\n"
"  inspect [--pretty] GUN[:TAG]...\n"
"  verify GUN:TAG\n"
"  revoke [--yes] GUN[:TAG]\n"
"  key generate NAME [--dir DIR]\n"
"  key list\n"
"  signer add --key FILE NAME GUN...\n"
"  signer remove [--yes] NAME GUN...\n"
"  ceremony unlock [--lifetime DURATION] [--pin-file FILE]\n"
"  ceremony lock\n"
"\n"
"Registry credentials: TRUSTCTL_USERNAME and TRUSTCTL_PASSWORD, or\n"
"TRUSTCTL_CREDENTIALS_FILE (first line user, second line password), or a\n"
"bearer token in TRUSTCTL_TOKEN. Exit status: 0 success, 1 failure, 2 usage.\n"
"`trustctl COMMAND --help` describes one command.\n";

void
tc_fail(const char *fmt, ...)
{
	va_list	ap;

	fputs("trustctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
tc_usage(const char *verb, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "trustctl %s: ", verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see `trustctl %s --help`)\n", verb);
	return TC_EXIT_USAGE;
}

int
tc_wants_help(int argc, char **argv)
{
	int	i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return 1;
	}
	return 0;
}

int
tc_read_file(const char *path, size_t cap, uint8_t **out, size_t *len)
{
	uint8_t	*buf = NULL, *nb;
	size_t	 n = 0, sz = 0;
	ssize_t	 got;
	int	 fd, saved;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	for (;;) {
		if (n == sz) {
			if (sz >= cap) {
				errno = EFBIG;
				goto bad;
			}
			sz = sz ? sz * 2 : 65536;
			if (sz > cap)
				sz = cap;
			if ((nb = realloc(buf, sz + 1)) == NULL)
				goto bad;
			buf = nb;
		}
		got = read(fd, buf + n, sz - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			goto bad;
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return -1;
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
bad:
	saved = errno;
	close(fd);
	free(buf);
	errno = saved;
	return -1;
}

int
tc_confirm(const char *question)
{
	char	line[16];
	FILE	*tty;
	int	 yes = 0;

	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return 0;
	fprintf(tty, "%s [y/N] ", question);
	fflush(tty);
	if (fgets(line, sizeof(line), tty) != NULL)
		yes = strcmp(line, "y\n") == 0 || strcmp(line, "yes\n") == 0 ||
		    strcmp(line, "Y\n") == 0;
	fclose(tty);
	return yes;
}

int
tc_ref_parse(const char *arg, char *gun, size_t gunlen, const char **tag,
    char *why, size_t whylen)
{
	const char		*slash = strrchr(arg, '/');
	const char		*colon = slash ? strrchr(slash, ':') : NULL;
	size_t			 n = colon ? (size_t)(colon - arg) : strlen(arg);
	struct proto_error	 pe;

	*tag = NULL;
	if (n >= gunlen) {
		(void)snprintf(why, whylen, "GUN longer than %zu bytes",
		    gunlen - 1);
		return -1;
	}
	memcpy(gun, arg, n);
	gun[n] = '\0';
	if (proto_gun_check("GUN", gun, n, &pe) != 0) {
		(void)snprintf(why, whylen, "%s", pe.message);
		return -1;
	}
	if (colon != NULL) {
		if (colon[1] == '\0') {
			(void)snprintf(why, whylen, "empty tag after ':'");
			return -1;
		}
		*tag = colon + 1;
	}
	return 0;
}

/* Credentials: environment, or a file; never the command line. */
static int
load_creds(char **user, char **pass)
{
	const char	*f = getenv("TRUSTCTL_CREDENTIALS_FILE");
	uint8_t		*buf;
	size_t		 len;
	char		*nl, *p2;

	*user = *pass = NULL;
	if (getenv("TRUSTCTL_USERNAME") != NULL) {
		*user = strdup(getenv("TRUSTCTL_USERNAME"));
		*pass = strdup(getenv("TRUSTCTL_PASSWORD") ?
		    getenv("TRUSTCTL_PASSWORD") : "");
		return (*user && *pass) ? 0 : -1;
	}
	if (f == NULL || *f == '\0')
		return 0;
	if (tc_read_file(f, CRED_MAX, &buf, &len) != 0) {
		tc_fail("reading credentials file %s: %s", f, strerror(errno));
		return -1;
	}
	if ((nl = memchr(buf, '\n', len)) == NULL) {
		tc_fail("credentials file %s: expected the user name on the "
		    "first line and the password on the second", f);
		explicit_bzero(buf, len);
		free(buf);
		return -1;
	}
	*nl = '\0';
	p2 = nl + 1;
	p2[strcspn(p2, "\r\n")] = '\0';
	*user = strdup((char *)buf);
	*pass = strdup(p2);
	explicit_bzero(buf, len);
	free(buf);
	return (*user && *pass) ? 0 : -1;
}

struct notary_http *
tc_http(struct tc *t)
{
	struct notary_http_opts	 o;
	char			*user = NULL, *pass = NULL;
	int			 r;

	if (t->http != NULL)
		return t->http;
	if (t->server == NULL || *t->server == '\0') {
		tc_fail("no Notary server: give --server URL or set "
		    "TRUSTCTL_SERVER or DOCKER_CONTENT_TRUST_SERVER");
		return NULL;
	}
	if (load_creds(&user, &pass) != 0) {
		if (user == NULL && pass == NULL)
			tc_fail("reading credentials: out of memory");
		goto out;
	}
	memset(&o, 0, sizeof(o));
	o.server = t->server;
	o.ca_file = t->ca_file;
	o.token = getenv("TRUSTCTL_TOKEN");
	o.username = user;
	o.password = pass;
	if ((r = notary_http_new(&o, &t->http)) != 0)
		tc_fail("Notary server %s: %s", t->server,
		    r == NOTARY_HTTP_ERR_INVAL ? "not a usable https:// URL "
		    "(credentials need https unless on loopback)" :
		    notary_http_strerror(r));
out:
	if (user != NULL) {
		explicit_bzero(user, strlen(user));
		free(user);
	}
	if (pass != NULL) {
		explicit_bzero(pass, strlen(pass));
		free(pass);
	}
	return t->http;
}

void
tc_http_fail(struct tc *t, const char *what, int r)
{
	const struct notary_http_error *e = t->http ?
	    notary_http_last_error(t->http) : NULL;

	if (e != NULL && e->message[0] != '\0')
		tc_fail("%s: %s", what, e->message);
	else
		tc_fail("%s: %s", what, notary_http_strerror(r));
}

struct sdc *
tc_signerd(struct tc *t)
{
	char	msg[512];

	if (t->sd != NULL)
		return t->sd;
	if (sdc_open(t->socket, &t->sd, msg, sizeof(msg)) != 0)
		tc_fail("%s", msg);
	return t->sd;
}

int
tc_repo_load(struct tc *t, const char *gun, int quiet_missing,
    struct repo **out)
{
	struct notary_http	*h;
	char			 msg[1024];
	int			 r;

	*out = NULL;
	if ((h = tc_http(t)) == NULL)
		return -1;
	r = repo_fetch(h, t->trust_dir, gun, out, msg, sizeof(msg));
	if (r == REPO_ERR_MISSING) {
		if (!quiet_missing)
			tc_fail("%s", msg);
		return 1;
	}
	if (r != 0) {
		tc_fail("%s", msg);
		return -1;
	}
	return 0;
}

int
tc_repo_commit(struct tc *t, const struct repo *rp)
{
	if (repo_commit(rp, t->trust_dir) != 0) {
		tc_fail("saving the trust data of %s under %s: %s", rp->gun,
		    t->trust_dir, strerror(errno));
		return -1;
	}
	return 0;
}

static const struct {
	const char	*name;
	int		(*fn)(struct tc *, int, char **);
} verbs[] = {
	{ "init",	cmd_init },
	{ "sign",	cmd_sign },
	{ "inspect",	cmd_inspect },
	{ "verify",	cmd_verify },
	{ "revoke",	cmd_revoke },
	{ "key",	cmd_key },
	{ "signer",	cmd_signer },
	{ "ceremony",	cmd_ceremony },
};

static const char *
env(const char *a, const char *b)
{
	const char	*v = getenv(a);

	if ((v == NULL || *v == '\0') && b != NULL)
		v = getenv(b);
	return (v != NULL && *v != '\0') ? v : NULL;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "server",	required_argument, NULL, 's' },
		{ "tlscacert",	required_argument, NULL, 'C' },
		{ "trust-dir",	required_argument, NULL, 'd' },
		{ "socket",	required_argument, NULL, 'S' },
		{ "help",	no_argument,	   NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct tc	 t;
	const char	*home;
	size_t		 i;
	int		 c, rc;

	/* A command is short-lived: let exit() return the memory rather
	 * than OpenSSL's atexit cleanup walking every table (~0.5 ms). */
	(void)OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
	memset(&t, 0, sizeof(t));
	t.server = env("TRUSTCTL_SERVER", "DOCKER_CONTENT_TRUST_SERVER");
	t.ca_file = env("TRUSTCTL_TLS_CA", NULL);
	t.trust_dir = env("TRUSTCTL_TRUST_DIR", NULL);
	t.socket = env("SIGNERD_SOCKET", NULL);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+s:d:S:h", opts, NULL)) != -1) {
		switch (c) {
		case 's': t.server = optarg; break;
		case 'C': t.ca_file = optarg; break;
		case 'd': t.trust_dir = optarg; break;
		case 'S': t.socket = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			return TC_EXIT_OK;
		case ':':
		default:
			fprintf(stderr, "trustctl: bad or incomplete option "
			    "%s\n", argv[optind - 1]);
			fputs(usage_text, stderr);
			return TC_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fputs(usage_text, stderr);
		return TC_EXIT_USAGE;
	}
	if (t.socket == NULL)
		t.socket = DEFAULT_SOCKET;
	if (t.trust_dir == NULL) {
		int n;

		if ((home = getenv("HOME")) == NULL || *home == '\0') {
			tc_fail("no trust directory: set --trust-dir, "
			    "TRUSTCTL_TRUST_DIR or HOME");
			return TC_EXIT_FAIL;
		}
		n = snprintf(NULL, 0, "%s/.trustctl", home);
		if (n < 0 || (t.trust_dir_buf = malloc((size_t)n + 1)) == NULL)
			return TC_EXIT_FAIL;
		(void)snprintf(t.trust_dir_buf, (size_t)n + 1, "%s/.trustctl",
		    home);
		t.trust_dir = t.trust_dir_buf;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[optind], verbs[i].name) == 0)
			break;
	if (i == sizeof(verbs) / sizeof(verbs[0])) {
		fprintf(stderr, "trustctl: unknown command \"%s\"\n",
		    argv[optind]);
		fputs(usage_text, stderr);
		return TC_EXIT_USAGE;
	}
	optind++;
	rc = verbs[i].fn(&t, argc - optind + 1, argv + optind - 1);
	notary_http_free(t.http);
	sdc_close(t.sd);
	free(t.trust_dir_buf);
	if (fflush(stdout) != 0 && rc == TC_EXIT_OK) {
		tc_fail("writing output: %s", strerror(errno));
		rc = TC_EXIT_FAIL;
	}
	return rc;
}
