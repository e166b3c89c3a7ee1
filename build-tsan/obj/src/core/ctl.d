build-tsan/obj/src/core/ctl.o: src/core/ctl.c src/core/ctl.h \
 src/core/clock.h src/core/err.h src/core/log.h
src/core/ctl.h:
src/core/clock.h:
src/core/err.h:
src/core/log.h:
