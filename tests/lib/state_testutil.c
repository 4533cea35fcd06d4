/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by the state modules' unit tests: a private directory, a whole file. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "state_testutil.h"

int
state_test_dir_make(char *buf, size_t len, const char *name)
{
	const char *t = getenv("TMPDIR");
	int n;

	n = snprintf(buf, len, "%s/%s.XXXXXX", t != NULL ? t : "/tmp", name);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return mkdtemp(buf) != NULL ? 0 : -1;
}

void
state_test_dir_remove(const char *d)
{
	struct dirent *de;
	char p[1024];
	DIR *dd;

	if (d[0] == '\0' || (dd = opendir(d)) == NULL)
		return;
	while ((de = readdir(dd)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(p, sizeof(p), "%s/%s", d, de->d_name) <
		    (int)sizeof(p))
			unlink(p);
	}
	closedir(dd);
	rmdir(d);
}

char *
state_test_file_read(const char *path, size_t *len)
{
	FILE *f;
	char *buf = NULL;
	long n;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)n + 1)) == NULL)
		goto out;
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
		goto out;
	}
	buf[n] = '\0';
	*len = (size_t)n;
out:
	fclose(f);
	return buf;
}
