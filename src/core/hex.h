/* core/hex.h - hex digits, for the codecs that read them (RFC 3597 data,
 * MAC addresses, URL escapes, the DHCP journal). */
#ifndef IK_CORE_HEX_H
#define IK_CORE_HEX_H

/* The value of hex digit c (either case), or -1. */
static inline int
hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif
