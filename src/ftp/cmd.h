/* ftp/cmd.h - codec for FTP command lines and their arguments (RFC 959
 * 4.1 and 5.3, RFC 3659, RFC 2640), and the protocol's limits. Pure: no
 * sockets, no clock, no globals, no logging. Verb dispatch itself is
 * core/line.c's, through the session's command table. */
#ifndef IK_FTP_CMD_H
#define IK_FTP_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Limits. RFC 959 sets none on a command line; 1024 covers any path a
 * client names (a longer line gets 500 and is skipped). */
#define FTP_LINE_MAX		1024
/* A virtual path after normalisation (PATH_MAX of the host). */
#define FTP_PATH_MAX		4096
/* A verb is 3 or 4 letters (RFC 959 5.3.1); a little room for others. */
#define FTP_VERB_MAX		8

/* Removes Telnet commands from a command line in place (RFC 959 4.1.3:
 * the control connection follows the Telnet protocol; a client aborting
 * a transfer sends IAC IP and IAC DM before ABOR). "IAC IAC" stays as one
 * 0xff byte; IAC WILL/WONT/DO/DONT drop their option byte too. Returns the
 * new length; line[len] is '\0'. */
size_t ftp_telnet_strip(char *line, size_t len);

/* Splits "VERB args" the way line.c does (first space), for the lines a
 * session sees raw during a transfer. Copies the verb, upper-cased, into
 * verb (FTP_VERB_MAX + 1 bytes) and points *args at the rest ("" when
 * none). Returns 0 or -IK_EPARSE (empty or overlong verb). */
int ftp_cmd_split(const char *line, char *verb, const char **args);

enum ftp_type {
	FTP_TYPE_A,		/* ASCII, non-print: line ends converted */
	FTP_TYPE_I,		/* image: bytes as they are */
};

/* TYPE's argument (RFC 959 4.1.2): "A", "A N", "I", "L 8". Returns 0,
 * -IK_EPARSE (501: syntax) or -ENOTSUP (504: E, A T, A C, L 7 ...). */
int ftp_type_parse(const char *arg, enum ftp_type *out);
/* MODE and STRU: only S (stream) and F (file) are served. Returns 0,
 * -IK_EPARSE (501) or -ENOTSUP (504: B, C, R, P). */
int ftp_mode_parse(const char *arg);
int ftp_stru_parse(const char *arg);
/* REST's argument in stream mode (RFC 3659 5): decimal octets. Returns 0
 * or -IK_EPARSE. */
int ftp_rest_parse(const char *arg, uint64_t *out);

/* "SITE CHMOD 644 path": octal mode (at most 0777: no set-id bits, no
 * sticky bit from a client) and the path after one space. Returns 0 or
 * -IK_EPARSE. *path points into arg. */
int ftp_chmod_parse(const char *arg, mode_t *mode, const char **path);

/* LIST/NLST arguments: ls options some clients send ("-la", "-a dir")
 * are skipped; *path points at what follows ("" for the cwd). Sets
 * *all when an option word holds 'a' (dot files listed). */
void ftp_list_args(const char *arg, const char **path, bool *all);

/* The MLST facts this server knows (RFC 3659 7.5), as bits. */
#define FTP_FACT_TYPE		0x01
#define FTP_FACT_SIZE		0x02
#define FTP_FACT_MODIFY		0x04
#define FTP_FACT_PERM		0x08
#define FTP_FACT_UNIX_MODE	0x10
#define FTP_FACT_ALL		0x1f

/* "OPTS MLST type;size;" (RFC 3659 7.9): the facts named that this server
 * knows (unknown ones are ignored, as the RFC asks). Returns the mask. */
unsigned ftp_mlst_opts_parse(const char *arg);
/* Writes the FEAT/OPTS form "type*;size*;modify;..." with '*' on the
 * facts in `on`. Returns the length or -IK_ETRUNC. */
ssize_t ftp_mlst_facts_format(unsigned on, char *buf, size_t cap);

/* Writes `path` for a 257 reply, with '"' doubled (RFC 959 appendix II).
 * Returns the length or -IK_ETRUNC. */
ssize_t ftp_quote_path(const char *path, char *buf, size_t cap);

#endif
