/* ftp/addr.h - the address texts FTP carries in commands and replies:
 * PORT h1,h2,h3,h4,p1,p2 and PASV's "227 Entering Passive Mode
 * (h1,h2,h3,h4,p1,p2)" (RFC 959), EPRT |af|addr|port| and EPSV's
 * "229 Entering Extended Passive Mode (|||port|)" (RFC 2428).
 * Codec: no sockets, no clock, no globals, no logging. */
#ifndef IK_FTP_ADDR_H
#define IK_FTP_ADDR_H

#include <stddef.h>
#include <sys/types.h>

#include "core/net.h"

/* Parses PORT's argument "h1,h2,h3,h4,p1,p2" (each 0..255, no spaces
 * needed; surrounding spaces ignored) into an IPv4 address and port.
 * Returns 0 or -IK_EPARSE. */
int ftp_port_parse(const char *s, struct net_addr *out);
/* Parses EPRT's argument "<d>af<d>addr<d>port<d>" (any printable
 * delimiter d in ASCII 33..126; af 1 = IPv4, 2 = IPv6). Returns 0,
 * -IK_EPARSE, or -EAFNOSUPPORT (another af: the server answers 522). */
int ftp_eprt_parse(const char *s, struct net_addr *out);
/* Writes "h1,h2,h3,h4,p1,p2" for an IPv4 address (PORT argument and the
 * inside of PASV's reply). Returns the length or -IK_ETRUNC / -EINVAL
 * (not IPv4). */
ssize_t ftp_port_format(const struct net_addr *a, char *buf, size_t cap);
/* Writes "|1|addr|port|" or "|2|addr|port|". Returns the length or
 * -IK_ETRUNC. */
ssize_t ftp_eprt_format(const struct net_addr *a, char *buf, size_t cap);
/* Finds "(h1,h2,h3,h4,p1,p2)" (or the six numbers without parentheses,
 * as some servers send) in a 227 reply's text. Returns 0 or -IK_EPARSE. */
int ftp_pasv_reply_parse(const char *text, struct net_addr *out);
/* Finds "(<d><d><d>port<d>)" in a 229 reply's text; sets *port. Returns 0
 * or -IK_EPARSE. */
int ftp_epsv_reply_parse(const char *text, unsigned *port);

#endif
