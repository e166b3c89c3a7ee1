build-tsan/obj/src/cli/services.o: src/cli/services.c src/core/svc.h \
 src/core/cfg.h src/core/net.h src/core/ctl.h src/core/log.h \
 src/dns/service.h src/dns/auth.h src/dns/wire.h src/dns/name.h \
 src/dns/rr.h src/dns/zonedb.h src/echo/echo.h
src/core/svc.h:
src/core/cfg.h:
src/core/net.h:
src/core/ctl.h:
src/core/log.h:
src/dns/service.h:
src/dns/auth.h:
src/dns/wire.h:
src/dns/name.h:
src/dns/rr.h:
src/dns/zonedb.h:
src/echo/echo.h:
