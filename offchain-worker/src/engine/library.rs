//! Finding and loading the ONNX Runtime library (see the module docs of [`super`]).

use super::*;

/// Environment variable naming the ONNX Runtime library (the one `ort` itself reads).
pub const ORT_DYLIB_PATH: &str = "ORT_DYLIB_PATH";

/// Environment variable naming the Python venv of `scripts/models-env.sh`.
pub const POAI_VENV: &str = "POAI_VENV";

/// The venv of `scripts/models-env.sh` under `$HOME` when `$POAI_VENV` is not set.
pub const DEFAULT_VENV: &str = ".cache/poai-venv";

/// Finds the ONNX Runtime library from the flag, the environment and the default venv (see the
/// module docs).
pub fn find_library(flag: Option<&Path>) -> Result<PathBuf, EngineError> {
	let env = std::env::var_os(ORT_DYLIB_PATH).filter(|value| !value.is_empty());
	let venv = std::env::var_os(POAI_VENV)
		.filter(|value| !value.is_empty())
		.map(PathBuf::from)
		.or_else(|| {
			std::env::var_os("HOME").filter(|h| !h.is_empty()).map(|home| {
				let mut path = PathBuf::from(home);
				path.push(DEFAULT_VENV);
				path
			})
		});
	find_library_in(flag, env, venv.as_deref())
}

/// [`find_library`] with its inputs given: the flag, the value of `ORT_DYLIB_PATH` and the venv
/// (`None` when neither `$POAI_VENV` nor `$HOME` is set).
pub fn find_library_in(
	flag: Option<&Path>,
	env: Option<OsString>,
	venv: Option<&Path>,
) -> Result<PathBuf, EngineError> {
	let mut searched = Vec::new();
	match flag {
		Some(path) if path.is_file() => return Ok(path.to_path_buf()),
		Some(path) => {
			searched.push(format!("--poai-ort-lib {}: no such file", path.display()));
			// An explicit choice is not replaced by a guess.
			return Err(EngineError::LibraryNotFound { searched });
		}
		None => searched.push("--poai-ort-lib: not given".into()),
	}
	match env.map(PathBuf::from) {
		Some(path) if path.is_file() => return Ok(path),
		Some(path) => {
			searched.push(format!("{ORT_DYLIB_PATH}={}: no such file", path.display()));
			return Err(EngineError::LibraryNotFound { searched });
		}
		None => searched.push(format!("{ORT_DYLIB_PATH}: not set")),
	}
	let Some(venv) = venv else {
		searched.push(format!("the models venv: neither ${POAI_VENV} nor $HOME is set"));
		return Err(EngineError::LibraryNotFound { searched });
	};
	let pattern = venv.join("lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*");
	match venv_library(venv) {
		Some(path) => Ok(path),
		None => {
			searched.push(format!("{}: no such file", pattern.display()));
			Err(EngineError::LibraryNotFound { searched })
		}
	}
}

/// The version numbers `x.y.z` of a file named `libonnxruntime.so.x.y.z` (fewer parts for
/// `libonnxruntime.so.1` or `libonnxruntime.so`), or `None` for another name.
pub(super) fn library_version(name: &str) -> Option<Vec<u64>> {
	let rest = name.strip_prefix("libonnxruntime.so")?;
	if rest.is_empty() {
		return Some(Vec::new());
	}
	rest.strip_prefix('.')?.split('.').map(|part| part.parse().ok()).collect()
}

/// `<venv>/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*`: the real file
/// (`.so.1.x.y`, the highest version if several) before any `.so.1` / `.so` name.
pub(super) fn venv_library(venv: &Path) -> Option<PathBuf> {
	let mut candidates: Vec<(Vec<u64>, PathBuf)> = Vec::new();
	for python in std::fs::read_dir(venv.join("lib")).ok()?.flatten() {
		if !python.file_name().to_string_lossy().starts_with("python3") {
			continue;
		}
		let capi = python.path().join("site-packages/onnxruntime/capi");
		let Ok(entries) = std::fs::read_dir(&capi) else { continue };
		for entry in entries.flatten() {
			let name = entry.file_name();
			let Some(version) = library_version(&name.to_string_lossy()) else { continue };
			let path = entry.path();
			if path.is_file() {
				candidates.push((version, path));
			}
		}
	}
	// Most version parts first (the real file), then the highest version.
	candidates.sort_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
	candidates.pop().map(|(_, path)| path)
}

/// The process's ONNX Runtime: one library, one environment.
pub(super) struct Runtime {
	/// The library loaded.
	pub(super) library: PathBuf,
	/// The environment every session is built in.
	pub(super) environment: Environment,
}

/// Loaded once per process (`ort` allows one library and one environment per process). Only a
/// success is kept, so a failed start can be retried with another path.
static RUNTIME: Mutex<Option<Arc<Runtime>>> = Mutex::new(None);

/// Loads ONNX Runtime from `library`, or returns the runtime already loaded.
pub(super) fn runtime(library: &Path) -> Result<Arc<Runtime>, EngineError> {
	let mut slot = lock(&RUNTIME);
	if let Some(runtime) = slot.as_ref() {
		if runtime.library != library {
			log::warn!(
				target: LOG_TARGET,
				"ONNX Runtime is already loaded from `{}` in this process; keeping it instead of `{}`",
				runtime.library.display(),
				library.display(),
			);
		}
		return Ok(runtime.clone());
	}
	let load_error =
		|reason: String| EngineError::LibraryLoad { path: library.to_path_buf(), reason };
	let builder = ort::init_from(library).map_err(|e| load_error(e.to_string()))?;
	let environment = builder
		.with_name("poai")
		.with_logger(Arc::new(|level, category, _id, location, message| {
			let level = match level {
				LogLevel::Verbose => log::Level::Trace,
				LogLevel::Info => log::Level::Debug,
				LogLevel::Warning => log::Level::Warn,
				LogLevel::Error | LogLevel::Fatal => log::Level::Error,
			};
			log::log!(target: ORT_LOG_TARGET, level, "[{category}] {message} ({location})");
		}))
		.build()
		.map_err(|e| load_error(reason(e)))?;
	// The logger is created at the most verbose level; formatting every verbose message would
	// cost time, so only warnings and errors are passed on.
	environment.set_log_level(LogLevel::Warning);
	let runtime = Arc::new(Runtime { library: library.to_path_buf(), environment });
	*slot = Some(runtime.clone());
	Ok(runtime)
}

/// The release of the loaded ONNX Runtime: from the file name (`libonnxruntime.so.1.31.1`), else
/// the commit in its build info.
pub(super) fn ort_version(library: &Path) -> String {
	let name = library.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
	if let Some(version) = library_version(&name).filter(|v| !v.is_empty()) {
		return version.iter().map(u64::to_string).collect::<Vec<_>>().join(".");
	}
	ort::info()
		.split([',', ' '])
		.find_map(|part| part.strip_prefix("git-commit-id="))
		.map(|commit| format!("(commit {commit})"))
		.unwrap_or_else(|| "(unknown version)".into())
}
