build-tsan/obj/src/core/fs.o: src/core/fs.c src/core/fs.h src/core/err.h
src/core/fs.h:
src/core/err.h:
