/* SPDX-License-Identifier: Apache-2.0 */
/* Replays a fuzz corpus through LLVMFuzzerTestOneInput without libFuzzer. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	FILE *f;
	uint8_t *buf = NULL;
	struct stat st;
	size_t n;
	int r = -1;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) != 0)
		goto out;
	/* One spare byte so that an empty file still has a valid pointer. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL)
		goto out;
	n = fread(buf, 1, (size_t)st.st_size, f);
	if (n != (size_t)st.st_size)
		goto out;
	LLVMFuzzerTestOneInput(buf, n);
	r = 0;
out:
	if (r != 0)
		fprintf(stderr, "replay: cannot read %s\n", path);
	free(buf);
	if (f != NULL)
		fclose(f);
	return r;
}

int
main(int argc, char **argv)
{
	struct dirent *de;
	DIR *d;
	char path[4096];
	int n = 0, r = 0, i;

	for (i = 1; i < argc; i++) {
		if ((d = opendir(argv[i])) == NULL) {
			fprintf(stderr, "replay: cannot open corpus %s\n", argv[i]);
			return 1;
		}
		while ((de = readdir(d)) != NULL) {
			int w;

			if (de->d_name[0] == '.')
				continue;
			w = snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if (w < 0 || (size_t)w >= sizeof(path)) {
				r = 1;
				continue;
			}
			if (replay_file(path) != 0)
				r = 1;
			n++;
		}
		closedir(d);
	}
	if (n == 0) {
		fprintf(stderr, "replay: empty corpus\n");
		return 1;
	}
	printf("replay: %d inputs\n", n);
	return r;
}
