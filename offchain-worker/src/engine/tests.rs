//! Tests of the engine that need no ONNX Runtime library, and of the ones that do when it is
//! installed.

use super::{
	library::{library_version, venv_library},
	*,
};

#[test]
fn devices_parse() {
	assert_eq!("cpu".parse(), Ok(Device::Cpu));
	assert_eq!(" CPU ".parse(), Ok(Device::Cpu));
	assert_eq!("cuda".parse(), Ok(Device::Cuda(0)));
	assert_eq!("cuda:0".parse(), Ok(Device::Cuda(0)));
	assert_eq!("CUDA:3".parse(), Ok(Device::Cuda(3)));
	for bad in [
		"",
		"gpu",
		"cuda:",
		"cuda:-1",
		"cuda:+1",
		"cuda:x",
		"cuda:1:2",
		"cuda 1",
		"cuda:99999999999",
	] {
		let error = bad.parse::<Device>().unwrap_err();
		assert_eq!(error, ParseDeviceError(bad.to_owned()));
		assert!(error.to_string().contains("expected `cpu`, `cuda`"), "{error}");
	}
	for device in [Device::Cpu, Device::Cuda(0), Device::Cuda(7)] {
		assert_eq!(device.to_string().parse(), Ok(device));
	}
}

#[test]
fn library_versions_are_read_from_names() {
	assert_eq!(library_version("libonnxruntime.so.1.31.1"), Some(vec![1, 31, 1]));
	assert_eq!(library_version("libonnxruntime.so.1"), Some(vec![1]));
	assert_eq!(library_version("libonnxruntime.so"), Some(vec![]));
	assert_eq!(library_version("libonnxruntime_providers_shared.so"), None);
	assert_eq!(library_version("libonnxruntime.so.1.x"), None);
}

/// A fresh folder under the system's temporary directory.
fn scratch(name: &str) -> PathBuf {
	let dir = std::env::temp_dir().join(format!("poai-engine-{name}-{}", std::process::id()));
	let _ = std::fs::remove_dir_all(&dir);
	std::fs::create_dir_all(&dir).unwrap();
	dir
}

#[test]
fn the_venv_library_is_the_real_versioned_file() {
	let venv = scratch("venv");
	let capi = venv.join("lib/python3.12/site-packages/onnxruntime/capi");
	std::fs::create_dir_all(&capi).unwrap();
	assert_eq!(venv_library(&venv), None);
	for name in [
		"libonnxruntime_providers_shared.so",
		"libonnxruntime.so",
		"libonnxruntime.so.1.9.0",
		"libonnxruntime.so.1.31.1",
	] {
		std::fs::write(capi.join(name), b"").unwrap();
	}
	assert_eq!(venv_library(&venv), Some(capi.join("libonnxruntime.so.1.31.1")));
	assert_eq!(
		find_library_in(None, None, Some(&venv)).unwrap(),
		capi.join("libonnxruntime.so.1.31.1")
	);
	// The flag, then the environment, come first.
	let flag = capi.join("libonnxruntime.so.1.9.0");
	assert_eq!(find_library_in(Some(&flag), None, Some(&venv)).unwrap(), flag);
	assert_eq!(find_library_in(None, Some(flag.clone().into()), Some(&venv)).unwrap(), flag);
	std::fs::remove_dir_all(&venv).unwrap();
}

#[test]
fn a_missing_library_lists_where_it_looked() {
	let venv = scratch("empty-venv");
	let message = find_library_in(None, None, Some(&venv)).unwrap_err().to_string();
	assert!(message.contains("no ONNX Runtime library found"), "{message}");
	assert!(message.contains("--poai-ort-lib: not given"), "{message}");
	assert!(message.contains("ORT_DYLIB_PATH: not set"), "{message}");
	assert!(
		message.contains(&format!(
			"{}/lib/python3*/site-packages/onnxruntime/capi/libonnxruntime.so*: no such file",
			venv.display()
		)),
		"{message}"
	);
	assert!(message.contains("scripts/models-env.sh"), "{message}");
	// An explicit path that does not exist is an error, not a reason to look elsewhere.
	let message = find_library_in(Some(Path::new("/nowhere/libonnxruntime.so")), None, None)
		.unwrap_err()
		.to_string();
	assert!(
		message.contains("--poai-ort-lib /nowhere/libonnxruntime.so: no such file"),
		"{message}"
	);
	let message =
		find_library_in(None, Some("/nowhere/lib.so".into()), Some(&venv)).unwrap_err().to_string();
	assert!(message.contains("ORT_DYLIB_PATH=/nowhere/lib.so: no such file"), "{message}");
	assert!(!message.contains("python3*"), "{message}");
	let message = find_library_in(None, None, None).unwrap_err().to_string();
	assert!(message.contains("neither $POAI_VENV nor $HOME is set"), "{message}");
	std::fs::remove_dir_all(&venv).unwrap();
}
