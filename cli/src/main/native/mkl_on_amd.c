/*
 * Preloaded by ./mmap on AMD x86-64 (MMAP_MKL_ON_AMD). libtorch's CPU matrix products are oneMKL's, and oneMKL picks
 * its AVX-512 kernels only after asking whether the CPU is Intel's; on an AMD CPU with AVX-512 it falls back to AVX2
 * kernels at about half the rate. Answering that question with yes lets it choose by the instruction sets the CPU
 * reports, which it still reads itself. On an Intel CPU the answer is the same as oneMKL's own.
 */
int mkl_serv_intel_cpu_true(void) {
    return 1;
}
