build-tsan/obj/src/echo/echo.o: src/echo/echo.c src/echo/echo.h \
 src/core/svc.h src/core/cfg.h src/core/net.h src/core/ctl.h \
 src/core/log.h src/core/err.h src/core/line.h
src/echo/echo.h:
src/core/svc.h:
src/core/cfg.h:
src/core/net.h:
src/core/ctl.h:
src/core/log.h:
src/core/err.h:
src/core/line.h:
