/* dhcp/relay_service.h - the dhcrelay service: a BOOTP/DHCP relay agent
 * (RFC 1542, RFC 3046) from the [dhcrelay] section. It hears requests on
 * UDP port 67 of its client interfaces, unicasts them to the configured
 * servers and delivers their replies on the client links. The decisions
 * are in dhcp/relay.h. */
#ifndef IK_DHCP_RELAY_SERVICE_H
#define IK_DHCP_RELAY_SERVICE_H

#include "core/svc.h"

extern const struct svc_def dhcrelay_svc;

#endif
