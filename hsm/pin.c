/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a PIN from a private file, an inherited descriptor, or a no-echo terminal prompt. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "hsm_int.h"

/* Read up to the first newline or EOF; the PIN must fit with room to spare. */
static int
pin_read_fd(int fd, const char *what, char *pin, size_t pinsize,
    size_t *pinlen)
{
	size_t n = 0;
	ssize_t got;
	char c;

	for (;;) {
		got = read(fd, &c, 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			explicit_bzero(pin, pinsize);
			return hsm_err(HSM_ERR_PIN_SOURCE, "reading the PIN "
			    "from %s: %s", what, strerror(errno));
		}
		if (got == 0 || c == '\n')
			break;
		if (n + 1 >= pinsize) {
			explicit_bzero(pin, pinsize);
			explicit_bzero(&c, sizeof(c));
			return hsm_err(HSM_ERR_PIN_SOURCE, "the PIN from %s is "
			    "longer than %zu bytes", what, pinsize - 1);
		}
		pin[n++] = c;
	}
	explicit_bzero(&c, sizeof(c));
	if (n > 0 && pin[n - 1] == '\r')
		n--;
	pin[n] = '\0';
	if (n == 0)
		return hsm_err(HSM_ERR_PIN_SOURCE, "the PIN from %s is empty",
		    what);
	*pinlen = n;
	return 0;
}

static int
pin_from_file(const char *path, char *pin, size_t pinsize, size_t *pinlen)
{
	struct stat st;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return hsm_err(HSM_ERR_PIN_SOURCE, "PIN file '%s': %s", path,
		    strerror(errno));
	/* Check the file we opened, not the name: no race with a swap. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return hsm_err(HSM_ERR_PIN_SOURCE, "PIN file '%s' is not a "
		    "regular file", path);
	}
	if (st.st_uid != geteuid()) {
		close(fd);
		return hsm_err(HSM_ERR_PIN_SOURCE, "PIN file '%s' is owned by "
		    "uid %lu, not by us (uid %lu): chown it", path,
		    (unsigned long)st.st_uid, (unsigned long)geteuid());
	}
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		close(fd);
		return hsm_err(HSM_ERR_PIN_SOURCE, "PIN file '%s' is open to "
		    "group or others (mode %04o): chmod 600 it", path,
		    (unsigned int)(st.st_mode & 07777));
	}
	r = pin_read_fd(fd, "the PIN file", pin, pinsize, pinlen);
	close(fd);
	return r;
}

static int
pin_from_tty(const char *prompt, char *pin, size_t pinsize, size_t *pinlen)
{
	struct termios old, quiet;
	sigset_t block, saved;
	ssize_t w;
	int fd, r;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return hsm_err(HSM_ERR_PIN_SOURCE, "no terminal to ask for the "
		    "PIN (%s): use a PIN file or descriptor", strerror(errno));
	if (tcgetattr(fd, &old) != 0) {
		close(fd);
		return hsm_err(HSM_ERR_PIN_SOURCE, "terminal: %s",
		    strerror(errno));
	}
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	/*
	 * A ^C or ^Z while echo is off would leave the terminal silent: hold
	 * those signals in this thread until echo is back, then let them in.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGQUIT);
	sigaddset(&block, SIGTSTP);
	sigaddset(&block, SIGTTIN);
	sigaddset(&block, SIGTTOU);
	pthread_sigmask(SIG_BLOCK, &block, &saved);
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		pthread_sigmask(SIG_SETMASK, &saved, NULL);
		close(fd);
		return hsm_err(HSM_ERR_PIN_SOURCE, "cannot turn off echo: %s",
		    strerror(errno));
	}
	if (prompt == NULL)
		prompt = "PIN: ";
	w = write(fd, prompt, strlen(prompt));
	r = pin_read_fd(fd, "the terminal", pin, pinsize, pinlen);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	w = write(fd, "\n", 1);
	(void)w;
	close(fd);
	pthread_sigmask(SIG_SETMASK, &saved, NULL);
	return r;
}

int
hsm_pin_read(const struct hsm_config *cfg, char *pin, size_t pinsize,
    size_t *pinlen)
{
	*pinlen = 0;
	switch (cfg->pin_source) {
	case HSM_PIN_FILE:
		if (cfg->pin_file == NULL)
			return hsm_err(HSM_ERR_INVALID_ARG, "no PIN file named");
		return pin_from_file(cfg->pin_file, pin, pinsize, pinlen);
	case HSM_PIN_FD:
		if (cfg->pin_fd < 0)
			return hsm_err(HSM_ERR_INVALID_ARG, "bad PIN fd");
		return pin_read_fd(cfg->pin_fd, "the PIN descriptor", pin,
		    pinsize, pinlen);
	case HSM_PIN_PROMPT:
		return pin_from_tty(cfg->prompt, pin, pinsize, pinlen);
	case HSM_PIN_NONE:
		break;
	}
	return hsm_err(HSM_ERR_INVALID_ARG, "no PIN source configured");
}
