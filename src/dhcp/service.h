/* dhcp/service.h - the dhcp service (inetkit dhcpd): config, sockets,
 * the lease journal and the control commands around dhcp/server.c. */
#ifndef IK_DHCP_SERVICE_H
#define IK_DHCP_SERVICE_H

#include "core/svc.h"

extern const struct svc_def dhcp_svc;

#endif
