/* fuzz/replay.c - main() for fuzz targets built without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on an empty input, then on every file named
 * on the command line or found (not recursively) in a named directory,
 * in name order. Each input sits in a buffer of exactly its size so ASan
 * sees any read past it. A path that cannot be read is reported and
 * skipped; only a crash in the target (it aborts) fails the run. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

#define REPLAY_FILE_MAX	(64u << 20)	/* bigger inputs are skipped */

/* Reads `path` into a malloc'd buffer of exactly its size. Returns 0 and
 * *buf_out (owned; may be NULL when empty) or -errno. */
static int
read_file(const char *path, uint8_t **buf_out, size_t *len_out)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t got = 0;
	int err = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*buf_out = NULL;
	*len_out = 0;
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		err = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > REPLAY_FILE_MAX) {
		err = -EINVAL;
		goto out;
	}
	size_t size = (size_t)st.st_size;
	if (size > 0 && (buf = malloc(size)) == NULL) {
		err = -ENOMEM;
		goto out;
	}
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = -errno;
			goto out;
		}
		if (n == 0)
			break;		/* shrank while we read: use what came */
		got += (size_t)n;
	}
	*buf_out = buf;
	*len_out = got;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

static void
run_empty(void)
{
	/* A zero-size allocation, so even a read of byte 0 is caught. */
	uint8_t *p = malloc(0);
	static const uint8_t none[1];

	LLVMFuzzerTestOneInput(p != NULL ? p : none, 0);
	free(p);
}

/* Runs one file; returns 1 if it ran, 0 if skipped. */
static int
run_file(const char *path)
{
	uint8_t *buf;
	size_t len;
	int err = read_file(path, &buf, &len);

	if (err < 0) {
		fprintf(stderr, "replay: %s: skipped (%s)\n", path,
		    strerror(-err));
		return 0;
	}
	if (buf == NULL) {
		run_empty();
		return 1;
	}
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 1;
}

static int
not_dot(const struct dirent *d)
{
	return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

static size_t
run_dir(const char *dir)
{
	struct dirent **names;
	size_t n_run = 0;
	int n = scandir(dir, &names, not_dot, alphasort);

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return 0;
	}
	for (int i = 0; i < n; i++) {
		char *path;
		struct stat st;
		if (asprintf(&path, "%s/%s", dir, names[i]->d_name) < 0) {
			free(names[i]);
			continue;
		}
		/* subdirectories are not descended into */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
			n_run += (size_t)run_file(path);
		free(path);
		free(names[i]);
	}
	free(names);
	return n_run;
}

int
main(int argc, char **argv)
{
	run_empty();
	for (int i = 1; i < argc; i++) {
		struct stat st;
		size_t n;

		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i],
			    strerror(errno));
			continue;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) :
		    (size_t)run_file(argv[i]);
		printf("replayed %zu inputs from %s\n", n, argv[i]);
	}
	return 0;
}
