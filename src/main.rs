fn main() -> std::process::ExitCode {
    chatd::cli::run()
}
