/// mimalloc: glibc's malloc and its lock contention were a visible share of the request
/// profile (bench/RESULTS.md); mimalloc is a maintained drop-in that is faster under
/// concurrent small allocations.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    chatd::cli::run()
}
