/* ftp/path.c - virtual path normalisation for the FTP server: cwd plus a
 * client's argument to one absolute path beneath the user's root. Lexical
 * only; the session opens the result with fs_open_beneath, which refuses
 * symlinks that lead out. */
#include "ftp/path.h"

#include <string.h>

#include "core/err.h"

/* Appends component (p, n) or applies ".." to out (length *len). */
static int
path_push(char *out, size_t cap, size_t *len, const char *p, size_t n)
{
	if (n == 0 || (n == 1 && p[0] == '.'))
		return 0;
	if (n == 2 && p[0] == '.' && p[1] == '.') {
		if (*len == 0)
			return -IK_EDENIED;	/* above the root */
		while (*len > 0 && out[*len - 1] != '/')
			(*len)--;
		(*len)--;			/* the slash itself */
		return 0;
	}
	if (*len + 1 + n >= cap)
		return -IK_ELIMIT;
	out[(*len)++] = '/';
	memcpy(out + *len, p, n);
	*len += n;
	return 0;
}

static int
path_walk(char *out, size_t cap, size_t *len, const char *s)
{
	while (*s != '\0') {
		size_t n = strcspn(s, "/");
		int err = path_push(out, cap, len, s, n);

		if (err < 0)
			return err;
		s += n;
		while (*s == '/')
			s++;
	}
	return 0;
}

ssize_t
ftp_path_resolve(const char *cwd, const char *arg, char *out, size_t cap)
{
	size_t len = 0;	/* out holds "/a/b" without the NUL; "" is root */
	int err;

	if (cap < 2)
		return -IK_ELIMIT;
	if (arg[0] != '/' && (err = path_walk(out, cap, &len, cwd)) < 0)
		return err;
	if ((err = path_walk(out, cap, &len, arg)) < 0)
		return err;
	if (len == 0)
		out[len++] = '/';
	out[len] = '\0';
	return (ssize_t)len;
}

const char *
ftp_path_rel(const char *vpath)
{
	while (*vpath == '/')
		vpath++;
	return *vpath == '\0' ? "." : vpath;
}

const char *
ftp_path_base(const char *vpath)
{
	const char *s = strrchr(vpath, '/');

	if (s == NULL)
		return vpath;
	return s[1] == '\0' ? vpath : s + 1;
}
