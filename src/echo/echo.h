/* echo/echo.h - the echo service (RFC 862 over TCP, line by line): a
 * diagnostic that exercises the core end to end (supervisor, line
 * sessions and their limits, control socket, reload) before the real
 * services land, and afterwards a quick "is the site up" probe. */
#ifndef IK_ECHO_ECHO_H
#define IK_ECHO_ECHO_H

#include "core/svc.h"

extern const struct svc_def echo_svc;

#endif
