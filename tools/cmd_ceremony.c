/* SPDX-License-Identifier: Apache-2.0 */
/* trustctl ceremony: unlock signerd's root token for a while, or lock it. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "json.h"
#include "proto.h"
#include "trustctl.h"

static const char help[] =
"usage: trustctl ceremony unlock [--lifetime DURATION] [--pin-file FILE]\n"
"       trustctl ceremony lock\n"
"unlock: logs signerd into its root token for DURATION (seconds, or with a\n"
"suffix s, m, h: 90s, 15m, 1h; default 15m, at most 1h), so init can make\n"
"roots. The\n"
"PIN is read from FILE (first line) or from the terminal without echo; it\n"
"never appears on the command line.\n"
"lock: logs the root token out at once.\n";

/* "90", "90s", "15m", "2h" -> seconds; -1 when not a duration. */
static long long
duration(const char *s)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || v < 1)
		return -1;
	if (*end == '\0' || strcmp(end, "s") == 0)
		return v;
	if (strcmp(end, "m") == 0 && v <= 100000000)
		return v * 60;
	if (strcmp(end, "h") == 0 && v <= 1000000)
		return v * 3600;
	return -1;
}

static int
read_pin_tty(char *pin, size_t cap)
{
	struct termios	 old, raw;
	FILE		*tty;
	int		 ok = 0;

	if ((tty = fopen("/dev/tty", "r+")) == NULL)
		return -1;
	fputs("Root token PIN: ", tty);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		raw = old;
		raw.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &raw);
		ok = fgets(pin, (int)cap, tty) != NULL;
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
	}
	fputc('\n', tty);
	fclose(tty);
	if (!ok)
		return -1;
	pin[strcspn(pin, "\r\n")] = '\0';
	return 0;
}

int
cmd_ceremony(struct tc *t, int argc, char **argv)
{
	struct proto_resp	 resp;
	struct json_buf		 f;
	const char		*life = NULL, *pinfile = NULL;
	char			 pin[256];
	long long		 secs = 900;	/* 15 minutes unless told */
	int64_t			 exp = 0;
	uint8_t			*buf = NULL;
	size_t			 blen;
	int			 a, rc = TC_EXIT_FAIL;

	if (tc_wants_help(argc, argv)) {
		fputs(help, stdout);
		return TC_EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "lock") == 0) {
		if (tc_call(t, "ceremony.lock", NULL, &resp) == 0) {
			printf("Root token locked\n");
			rc = TC_EXIT_OK;
		}
		proto_resp_cleanup(&resp);
		return rc;
	}
	if (argc < 2 || strcmp(argv[1], "unlock") != 0)
		return tc_usage("ceremony", "expected `unlock` or `lock`");
	for (a = 2; a < argc; a++) {
		if (a + 1 < argc && strcmp(argv[a], "--lifetime") == 0)
			life = argv[++a];
		else if (a + 1 < argc && strcmp(argv[a], "--pin-file") == 0)
			pinfile = argv[++a];
		else
			return tc_usage("ceremony", "unexpected argument %s",
			    argv[a]);
	}
	if (life != NULL && (secs = duration(life)) < 0)
		return tc_usage("ceremony", "--lifetime \"%s\" is not a "
		    "duration (90, 90s, 15m, 1h)", life);
	if (pinfile != NULL) {
		if (tc_read_file(pinfile, sizeof(pin) - 1, &buf, &blen) != 0) {
			tc_fail("reading PIN file %s: %s", pinfile,
			    strerror(errno));
			return TC_EXIT_FAIL;
		}
		memcpy(pin, buf, blen + 1);
		explicit_bzero(buf, blen);
		free(buf);
		pin[strcspn(pin, "\r\n")] = '\0';
	} else if (read_pin_tty(pin, sizeof(pin)) != 0) {
		tc_fail("no terminal to read the PIN from: give --pin-file");
		return TC_EXIT_FAIL;
	}
	if (pin[0] == '\0') {
		tc_fail("empty PIN");
		explicit_bzero(pin, sizeof(pin));
		return TC_EXIT_FAIL;
	}
	json_buf_init(&f);
	json_put_raw(&f, "\"pin\":", 6);
	json_put_str(&f, pin, strlen(pin));
	explicit_bzero(pin, sizeof(pin));
	json_put_raw(&f, ",\"lifetime\":", 12);
	json_put_int(&f, secs);
	if (tc_call(t, "ceremony.unlock", &f, &resp) == 0) {
		(void)json_value_int(json_object_get(resp.result,
		    "expires_in"), &exp);
		printf("Root token unlocked for %lld s\n", (long long)exp);
		rc = TC_EXIT_OK;
	}
	json_buf_cleanup(&f);	/* wipes the PIN */
	proto_resp_cleanup(&resp);
	return rc;
}
