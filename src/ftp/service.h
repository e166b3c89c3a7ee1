/* ftp/service.h - the ftp service (issue #6): "inetkit ftpd -c FILE" or a
 * child of "inetkit up". */
#ifndef IK_FTP_SERVICE_H
#define IK_FTP_SERVICE_H

#include "core/svc.h"

extern const struct svc_def ftp_svc;

#endif
