/* core/super.h - the supervisor behind "inetkit up": checks the whole
 * config, binds every listener while root, forks one child per enabled
 * service, restarts a child that dies (with backoff), forwards SIGHUP
 * for reload and stops everything on SIGTERM within stop_timeout. */
#ifndef IK_CORE_SUPER_H
#define IK_CORE_SUPER_H

/* Runs the site from config file `path`. Returns the exit status:
 * 0 after a clean stop, 1 when starting failed, 2 on config errors
 * (all printed). */
int super_run(const char *path);

#endif
