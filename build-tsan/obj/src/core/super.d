build-tsan/obj/src/core/super.o: src/core/super.c src/core/super.h \
 src/core/err.h src/core/proc.h src/core/svc.h src/core/cfg.h \
 src/core/net.h src/core/ctl.h src/core/log.h
src/core/super.h:
src/core/err.h:
src/core/proc.h:
src/core/svc.h:
src/core/cfg.h:
src/core/net.h:
src/core/ctl.h:
src/core/log.h:
