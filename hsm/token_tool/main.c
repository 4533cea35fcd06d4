/* SPDX-License-Identifier: Apache-2.0 */
/* signerd-token: initialise a blank token with PINs from files or a no-echo prompt, never from the command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsm.h"

#define DEFAULT_MODULE "/usr/lib/softhsm/libsofthsm2.so"

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: signerd-token init --label LABEL [--module PATH]\n"
	    "                          [--so-pin-file FILE] [--pin-file FILE]\n"
	    "\n"
	    "Initialises the first blank token of a PKCS#11 module (SoftHSM2's\n"
	    "free slot, or a new HSM partition) with LABEL, a security officer\n"
	    "PIN and the user PIN that signerd's pin_file will hold. A PIN file\n"
	    "must be owned by you with mode 0600 or stricter; its first line is\n"
	    "the PIN. Without a file the PIN is asked twice on the terminal,\n"
	    "without echo. PINs are never taken from the command line, where\n"
	    "other users could read them. A token that already has LABEL is\n"
	    "refused and nothing changes.\n"
	    "\n"
	    "  --module PATH       PKCS#11 module (default %s)\n"
	    "  --label LABEL       token label, 1 to 32 bytes\n"
	    "  --so-pin-file FILE  security officer PIN\n"
	    "  --pin-file FILE     user PIN\n"
	    "\n"
	    "Exit status: 0 initialised, 1 failed, 2 usage.\n", DEFAULT_MODULE);
}

static void
pin_source(struct hsm_config *c, const char *file)
{
	memset(c, 0, sizeof(*c));
	c->pin_source = file != NULL ? HSM_PIN_FILE : HSM_PIN_PROMPT;
	c->pin_file = file;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "label", required_argument, NULL, 'l' },
		{ "so-pin-file", required_argument, NULL, 's' },
		{ "pin-file", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *module = DEFAULT_MODULE, *label = NULL;
	const char *so_file = NULL, *pin_file = NULL;
	struct hsm_config so, user;
	int c, r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "init") != 0) {
		fprintf(stderr, "signerd-token: unknown command '%s' (the only "
		    "command is init)\n", argv[1]);
		return 2;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'm': module = optarg; break;
		case 'l': label = optarg; break;
		case 's': so_file = optarg; break;
		case 'p': pin_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || label == NULL) {
		fprintf(stderr, "signerd-token: init needs --label and takes no "
		    "other arguments (see --help)\n");
		return 2;
	}
	pin_source(&so, so_file);
	pin_source(&user, pin_file);
	if ((r = hsm_token_init(module, label, &so, &user)) != 0) {
		fprintf(stderr, "signerd-token: %s: %s\n", hsm_strerror(r),
		    hsm_error_detail());
		return 1;
	}
	printf("Initialised token '%s' in %s\n", label, module);
	return 0;
}
