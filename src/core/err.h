/* core/err.h - inetkit's error codes.
 * Functions return >= 0 on success and a negative code on failure: -errno
 * for system errors, or one of ours below (above errno's range). */
#ifndef IK_CORE_ERR_H
#define IK_CORE_ERR_H

enum ik_err {
	IK_EBASE = 10000,
	IK_EPARSE,	/* input does not follow the grammar */
	IK_ETRUNC,	/* input cut short, or output does not fit */
	IK_ELIMIT,	/* a configured or protocol limit was exceeded */
	IK_EDENIED,	/* refused by policy (auth, path outside a root) */
	IK_ECONFIG,	/* configuration is invalid */
	IK_ENOTFOUND,	/* no such user, key or entry */
	IK_EMAX
};

/* Returns a static description of `err` (negative or positive code). */
const char *ik_strerror(int err);

#endif
