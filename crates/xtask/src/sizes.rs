//! Raw / gzip / brotli sizes of build artifacts: what a browser actually
//! downloads is the compressed size, so that is what budgets are about.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use flate2::Compression;
use flate2::write::GzEncoder;

/// Sizes of one file, in bytes.
pub struct FileSize {
    pub path: PathBuf,
    pub raw: usize,
    pub gzip: usize,
    pub brotli: usize,
}

pub fn measure(path: &Path) -> Result<FileSize> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(FileSize { path: path.to_path_buf(), raw: bytes.len(), gzip: gzip_len(&bytes)?, brotli: brotli_len(&bytes)? })
}

/// Writes `PATH.br` and `PATH.gz` beside `path`, for a server that hands out
/// precompressed files (the dashboard's `ServeDir` does).
pub fn write_precompressed(path: &Path) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let with_suffix = |suffix: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(suffix);
        PathBuf::from(name)
    };
    std::fs::write(with_suffix(".br"), brotli(&bytes)?)?;
    std::fs::write(with_suffix(".gz"), gzip(&bytes)?)?;
    Ok(())
}

/// Gzip at level 9, as a static-file server would pre-compress.
fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

fn gzip_len(bytes: &[u8]) -> Result<usize> {
    Ok(gzip(bytes)?.len())
}

/// Brotli at quality 11 (the maximum, used for pre-compressed assets) with
/// the default 4 MiB window.
fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(bytes)?;
        // Dropping the writer finishes the stream (a flush would add a block).
    }
    Ok(out)
}

fn brotli_len(bytes: &[u8]) -> Result<usize> {
    Ok(brotli(bytes)?.len())
}

/// Prints a table of `files` plus a total row, paths relative to `base`.
pub fn print_table(base: &Path, files: &[FileSize]) {
    eprintln!("{:<40} {:>10} {:>10} {:>10}", "file", "raw", "gzip", "brotli");
    for file in files {
        let name = file.path.strip_prefix(base).unwrap_or(&file.path);
        eprintln!("{:<40} {:>10} {:>10} {:>10}", name.display(), kib(file.raw), kib(file.gzip), kib(file.brotli));
    }
    let total = |f: fn(&FileSize) -> usize| files.iter().map(f).sum::<usize>();
    eprintln!(
        "{:<40} {:>10} {:>10} {:>10}",
        "total",
        kib(total(|f| f.raw)),
        kib(total(|f| f.gzip)),
        kib(total(|f| f.brotli))
    );
}

/// Bytes as KiB with one decimal; `1 KiB = 1024 bytes` throughout xtask.
pub fn kib(bytes: usize) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compression_shrinks_repetitive_input() {
        let bytes = b"stampcard ".repeat(1000);
        assert!(gzip_len(&bytes).unwrap() < bytes.len() / 10);
        assert!(brotli_len(&bytes).unwrap() < bytes.len() / 10);
    }

    #[test]
    fn brotli_output_round_trips() {
        let bytes = b"hello brotli".repeat(10);
        let mut compressed = Vec::new();
        {
            let mut writer = brotli::CompressorWriter::new(&mut compressed, 4096, 11, 22);
            writer.write_all(&bytes).unwrap();
        }
        let mut decompressed = Vec::new();
        brotli::BrotliDecompress(&mut &compressed[..], &mut decompressed).unwrap();
        assert_eq!(decompressed, bytes);
    }

    #[test]
    fn precompressed_files_decompress_to_the_original() {
        let dir = std::env::temp_dir().join(format!("xtask-precompressed-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("app.js");
        let bytes = b"export const a = 1;\n".repeat(50);
        std::fs::write(&path, &bytes).unwrap();
        write_precompressed(&path).unwrap();
        let mut from_br = Vec::new();
        brotli::BrotliDecompress(&mut &std::fs::read(dir.join("app.js.br")).unwrap()[..], &mut from_br).unwrap();
        let mut from_gz = Vec::new();
        std::io::Read::read_to_end(
            &mut flate2::read::GzDecoder::new(&std::fs::read(dir.join("app.js.gz")).unwrap()[..]),
            &mut from_gz,
        )
        .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!((from_br, from_gz), (bytes.clone(), bytes));
    }

    #[test]
    fn kib_formats_one_decimal() {
        assert_eq!(kib(1536), "1.5 KiB");
    }
}
