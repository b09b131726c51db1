// Makes the Intel MKL inside libtorch_cpu.so take its Intel code paths (AVX-512, AVX512-BF16) on AMD CPUs: MKL asks this
// function whether the CPU is an Intel one, through the PLT, so a preloaded definition wins. A well-known workaround,
// not an interface Intel supports. gcc -O2 -shared -fPIC -o libmklintelcpu.so mklintelcpu.c; then LD_PRELOAD=$PWD/libmklintelcpu.so java ...
int mkl_serv_intel_cpu_true(void) { return 1; }
