build-tsan/obj/src/cli/main.o: src/cli/main.c src/core/auth.h \
 src/core/ctl.h src/core/err.h src/core/super.h src/core/svc.h \
 src/core/cfg.h src/core/net.h src/core/log.h src/dns/dig.h
src/core/auth.h:
src/core/ctl.h:
src/core/err.h:
src/core/super.h:
src/core/svc.h:
src/core/cfg.h:
src/core/net.h:
src/core/log.h:
src/dns/dig.h:
