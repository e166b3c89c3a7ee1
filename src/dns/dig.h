/* dns/dig.h - "inetkit dig": a lookup tool in the manner of BIND's dig
 * on the stub client (dns/stub.h), with +trace walking from the root
 * hints down the delegations and printing each step. */
#ifndef IK_DNS_DIG_H
#define IK_DNS_DIG_H

#define DIG_EXIT_OK		0	/* a response came (any rcode) */
#define DIG_EXIT_USAGE		1	/* bad arguments, config or hints */
#define DIG_EXIT_NO_REPLY	9	/* no server answered (as dig) */

/* Runs "dig ARGS..." (argv[0] is "dig"): the result on stdout, problems
 * on stderr. Returns one of the DIG_EXIT_* statuses. */
int dig_main(int argc, char **argv);

#endif
