/* SPDX-License-Identifier: Apache-2.0 */
/* hsm_token_init against a real SoftHSM2 token directory: PINs from files, refusals that change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hsm.h"
#include "hsm_testutil.h"

static struct tt_env env;

const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

static void
sources(struct hsm_config *so, struct hsm_config *user, const char *sofile,
    const char *pinfile)
{
	memset(so, 0, sizeof(*so));
	so->pin_source = HSM_PIN_FILE;
	so->pin_file = sofile;
	*user = *so;
	user->pin_file = pinfile;
}

/* 0 when LABEL opens and logs in with the user PIN file. */
static int
opens(const char *label)
{
	struct hsm_config cfg;
	struct hsm_token *t = NULL;
	int r;

	tt_config(&env, &cfg, label);
	r = hsm_token_open(&cfg, &t);
	hsm_token_close(t);
	return r;
}

static void
test_init_and_use(void **state)
{
	struct hsm_config so, user;

	(void)state;
	sources(&so, &user, env.sopinfile, env.pinfile);
	assert_int_equal(hsm_token_init(env.module, "fresh", &so, &user), 0);
	assert_int_equal(opens("fresh"), 0);
}

static void
test_label_taken(void **state)
{
	struct hsm_config so, user;
	char other[PATH_MAX + 8];

	(void)state;
	sources(&so, &user, env.sopinfile, env.pinfile);
	assert_int_equal(hsm_token_init(env.module, "taken", &so, &user), 0);
	/* A second init with other PINs must not reset the first token. */
	snprintf(other, sizeof(other), "%s.other", env.pinfile);
	assert_int_equal(tt_write_file(other, "99999999\n", 0600), 0);
	sources(&so, &user, env.sopinfile, other);
	assert_int_equal(hsm_token_init(env.module, "taken", &so, &user),
	    HSM_ERR_TOKEN_EXISTS);
	assert_non_null(strstr(hsm_error_detail(), "nothing was changed"));
	assert_int_equal(opens("taken"), 0);
}

static void
test_bad_pins_change_nothing(void **state)
{
	struct hsm_config so, user;
	char shortpin[PATH_MAX + 8], open_mode[PATH_MAX + 8];

	(void)state;
	snprintf(shortpin, sizeof(shortpin), "%s.short", env.pinfile);
	snprintf(open_mode, sizeof(open_mode), "%s.0644", env.pinfile);
	assert_int_equal(tt_write_file(shortpin, "1\n", 0600), 0);
	assert_int_equal(tt_write_file(open_mode, "12345678\n", 0644), 0);

	sources(&so, &user, env.sopinfile, shortpin);
	assert_int_equal(hsm_token_init(env.module, "s", &so, &user),
	    HSM_ERR_PIN_SOURCE);
	assert_non_null(strstr(hsm_error_detail(), "user PIN must have"));
	sources(&so, &user, open_mode, env.pinfile);
	assert_int_equal(hsm_token_init(env.module, "s", &so, &user),
	    HSM_ERR_PIN_SOURCE);
	assert_non_null(strstr(hsm_error_detail(), "group or others"));
	sources(&so, &user, env.sopinfile, "/nonexistent/pin");
	assert_int_equal(hsm_token_init(env.module, "s", &so, &user),
	    HSM_ERR_PIN_SOURCE);
	/* None of them initialised a token. */
	assert_int_equal(opens("s"), HSM_ERR_TOKEN_NOT_FOUND);
}

static void
test_bad_args(void **state)
{
	struct hsm_config so, user;

	(void)state;
	sources(&so, &user, env.sopinfile, env.pinfile);
	assert_int_equal(hsm_token_init(env.module, "", &so, &user),
	    HSM_ERR_INVALID_ARG);
	assert_int_equal(hsm_token_init(env.module,
	    "a-label-that-is-longer-than-32-bytes", &so, &user),
	    HSM_ERR_INVALID_ARG);
	assert_int_equal(hsm_token_init(env.module, "x", NULL, &user),
	    HSM_ERR_INVALID_ARG);
	user.pin_source = HSM_PIN_NONE;
	assert_int_equal(hsm_token_init(env.module, "x", &so, &user),
	    HSM_ERR_INVALID_ARG);
	assert_int_equal(hsm_token_init("/nonexistent/module.so", "x", &so,
	    &so), HSM_ERR_MODULE_NOT_FOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_and_use),
		cmocka_unit_test(test_label_taken),
		cmocka_unit_test(test_bad_pins_change_nothing),
		cmocka_unit_test(test_bad_args),
	};
	int r;

	if (tt_env_init(&env) != 0) {
		fprintf(stderr, "test_hsm_init: cannot make the token directory\n");
		return 1;
	}
	r = cmocka_run_group_tests(tests, NULL, NULL);
	tt_env_cleanup(&env);
	return r;
}
