/* core/err.c - names for inetkit's error codes and errno. */
#include "core/err.h"

#include <limits.h>
#include <string.h>

const char *
ik_strerror(int err)
{
	static const char *const ours[] = {
		[IK_EPARSE - IK_EBASE] = "parse error",
		[IK_ETRUNC - IK_EBASE] = "truncated",
		[IK_ELIMIT - IK_EBASE] = "limit exceeded",
		[IK_EDENIED - IK_EBASE] = "denied",
		[IK_ECONFIG - IK_EBASE] = "configuration error",
		[IK_ENOTFOUND - IK_EBASE] = "not found",
	};

	if (err == INT_MIN)
		return "unknown error";
	if (err < 0)
		err = -err;
	if (err > IK_EBASE && err < IK_EMAX)
		return ours[err - IK_EBASE];
	if (err == IK_EBASE || err >= IK_EMAX)
		return "unknown error";
	return strerror(err);
}
