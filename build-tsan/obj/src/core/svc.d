build-tsan/obj/src/core/svc.o: src/core/svc.c src/core/svc.h \
 src/core/cfg.h src/core/net.h src/core/ctl.h src/core/log.h \
 src/core/err.h src/core/fs.h src/core/proc.h src/core/tls.h
src/core/svc.h:
src/core/cfg.h:
src/core/net.h:
src/core/ctl.h:
src/core/log.h:
src/core/err.h:
src/core/fs.h:
src/core/proc.h:
src/core/tls.h:
