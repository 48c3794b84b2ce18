/*
 * Native Linux build of the benchmark workload: the reference the emulator's output is
 * compared with. Usage: workload-native [rounds]   (0 or absent = the default rounds)
 */
#include <stdio.h>
#include <stdlib.h>
#include "workload.h"

static void emit_stdout(const char *text)
{
	fputs(text, stdout);
}

int main(int argc, char **argv)
{
	unsigned rounds = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 0;
	run_workload(rounds, emit_stdout);
	return fflush(stdout) == 0 ? 0 : 1;
}
