/* ftp/ascii.c - CRLF <-> LF for TYPE A transfers, chunk by chunk. */
#include "ftp/ascii.h"

size_t
ftp_ascii_to_net(struct ftp_ascii *st, const char *in, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (in[i] == '\n' && !st->last_cr)
			out[o++] = '\r';
		out[o++] = in[i];
		st->last_cr = in[i] == '\r';
	}
	return o;
}

size_t
ftp_ascii_from_net(struct ftp_ascii *st, const char *in, size_t len,
    char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (st->held_cr) {
			st->held_cr = false;
			if (in[i] != '\n')
				out[o++] = '\r';
		}
		if (in[i] == '\r')
			st->held_cr = true;
		else
			out[o++] = in[i];
	}
	return o;
}

size_t
ftp_ascii_from_net_end(struct ftp_ascii *st, char *out)
{
	if (!st->held_cr)
		return 0;
	st->held_cr = false;
	out[0] = '\r';
	return 1;
}
