/* dhcp/dhcpc.h - "inetkit dhcpc IFACE": the DHCP client program. The
 * decisions are dhcp/client.h's state machine; this runs it on an
 * interface (AF_PACKET before an address, UDP for unicast renewals, ARP
 * probes), applies leases through rtnetlink and resolv.conf or hands
 * them to a script as udhcpc does, and prints one line per event. */
#ifndef IK_DHCP_DHCPC_H
#define IK_DHCP_DHCPC_H

#define DHCPC_EXIT_OK		0	/* --once bound, or stopped by signal */
#define DHCPC_EXIT_FAIL		1	/* --timeout passed, or an I/O error */
#define DHCPC_EXIT_USAGE	2	/* bad arguments */

/* Runs "dhcpc IFACE [OPTIONS]" (argv[0] is "dhcpc"). Needs CAP_NET_RAW
 * (and CAP_NET_ADMIN to apply a lease). Returns a DHCPC_EXIT_* status. */
int dhcpc_main(int argc, char **argv);

#endif
