/* ftp/ftpc.h - "inetkit ftp": an interactive and scriptable FTP client
 * on ftp/client.h. Scriptable: get, put, ls and mirror (both ways) on
 * ftp:// URLs; interactive: a command shell on stdin (a prompt only on a
 * terminal). A progress bar with rate and ETA on stderr when it is a
 * terminal. */
#ifndef IK_FTP_FTPC_H
#define IK_FTP_FTPC_H

#define FTPC_EXIT_OK		0
#define FTPC_EXIT_FAIL		1	/* a transfer or command failed */
#define FTPC_EXIT_USAGE		2
#define FTPC_EXIT_CONNECT	3	/* cannot connect (or no greeting) */
#define FTPC_EXIT_LOGIN		4	/* login refused */
#define FTPC_EXIT_TLS		5	/* TLS failed (or refused, required) */

/* Runs "ftp ARGS..." (argv[0] is "ftp"). Returns an FTPC_EXIT_*
 * status; the interactive shell returns the first failure's. */
int ftpc_main(int argc, char **argv);

#endif
