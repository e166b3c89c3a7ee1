/* ftp/ascii.h - TYPE A line ends (RFC 959 3.1.1.1): the network form ends
 * lines with CRLF, this host's with LF. Pure and incremental: a transfer
 * converts chunk by chunk, and the state carries a CR or LF across chunk
 * boundaries. */
#ifndef IK_FTP_ASCII_H
#define IK_FTP_ASCII_H

#include <stdbool.h>
#include <stddef.h>

struct ftp_ascii {
	bool		 last_cr;	/* to_net: previous byte was CR */
	bool		 held_cr;	/* from_net: a CR awaits the next byte */
};

/* Local to network: an LF not already preceded by CR becomes CRLF. `out`
 * has room for 2 * len bytes. Returns the bytes written. */
size_t ftp_ascii_to_net(struct ftp_ascii *st, const char *in, size_t len,
    char *out);
/* Network to local: CRLF becomes LF; a CR not followed by LF stays. `out`
 * has room for len + 1 bytes (a CR held from the previous chunk). Returns
 * the bytes written. */
size_t ftp_ascii_from_net(struct ftp_ascii *st, const char *in, size_t len,
    char *out);
/* At the end of the data: writes a CR still held (0 or 1 byte). */
size_t ftp_ascii_from_net_end(struct ftp_ascii *st, char *out);

#endif
