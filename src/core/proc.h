/* core/proc.h - process helpers: dropping privileges after binding, and
 * signal dispositions for children. */
#ifndef IK_CORE_PROC_H
#define IK_CORE_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/* Looks `user` up: uid and primary gid. Returns 0 or -IK_ENOTFOUND. */
int proc_user_lookup(const char *user, uid_t *uid, gid_t *gid);
/* Drops to `user`: initgroups/setgroups, setgid, setuid, then checks that
 * setuid(0) fails. Returns 0, -IK_ENOTFOUND, -errno, or -IK_EDENIED if
 * root could be regained. Only meaningful when running as root. */
int proc_drop_privs(const char *user);
/* True when the effective uid is 0. */
bool proc_is_root(void);
/* Restores default dispositions and an empty mask (for forked children). */
void proc_reset_signals(void);
/* Makes fd close-on-exec. Returns 0 or -errno. */
int proc_cloexec(int fd);

#endif
