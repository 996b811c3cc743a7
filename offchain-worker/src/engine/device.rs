//! Where the engine runs models: the CPU or a CUDA device, and the checks that a CUDA device is
//! usable before sessions are built on it.

use super::*;

/// Where the engine runs models.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub enum Device {
	/// ONNX Runtime's CPU execution provider.
	#[default]
	Cpu,
	/// The CUDA execution provider on the GPU with this index.
	Cuda(u32),
}

impl Device {
	/// Whether this is a GPU.
	pub fn is_gpu(&self) -> bool {
		matches!(self, Device::Cuda(_))
	}
}

impl fmt::Display for Device {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			Device::Cpu => f.write_str("cpu"),
			Device::Cuda(index) => write!(f, "cuda:{index}"),
		}
	}
}

/// A device string that is none of `cpu`, `cuda`, `cuda:N`.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("unknown device `{0}`: expected `cpu`, `cuda` (GPU 0) or `cuda:N` (GPU N, e.g. `cuda:1`)")]
pub struct ParseDeviceError(pub String);

impl FromStr for Device {
	type Err = ParseDeviceError;

	/// `cpu`, `cuda` (GPU 0) or `cuda:N`; case-insensitive, surrounding spaces ignored.
	fn from_str(s: &str) -> Result<Self, Self::Err> {
		let lower = s.trim().to_ascii_lowercase();
		match lower.as_str() {
			"cpu" => Ok(Device::Cpu),
			"cuda" => Ok(Device::Cuda(0)),
			other => other
				.strip_prefix("cuda:")
				.filter(|index| !index.is_empty() && index.bytes().all(|b| b.is_ascii_digit()))
				.and_then(|index| index.parse().ok())
				.map(Device::Cuda)
				.ok_or_else(|| ParseDeviceError(s.to_owned())),
		}
	}
}

/// The CUDA execution provider on GPU `index`, TF32 off, failing loudly instead of silently
/// running on the CPU.
pub(super) fn cuda_provider(index: u32) -> Result<ort::ep::ExecutionProviderDispatch, String> {
	let device_id = i32::try_from(index).map_err(|_| format!("GPU index {index} is too large"))?;
	Ok(CUDA::default().with_device_id(device_id).with_tf32(false).build().error_on_failure())
}

/// Why CUDA device `index` cannot be used, if it cannot: the library has no CUDA provider, or
/// registering it (which loads the provider and the CUDA libraries) fails.
pub(super) fn cuda_usable(runtime: &Runtime, index: u32) -> Result<(), String> {
	match CUDA::is_available() {
		Ok(true) => {}
		Ok(false) => {
			return Err(format!(
				"the ONNX Runtime library `{}` has no CUDA execution provider (a CPU-only build; \
				 install a CUDA build, e.g. the onnxruntime-gpu wheel's library, and pass it with \
				 --poai-ort-lib)",
				runtime.library.display()
			))
		}
		Err(error) => return Err(format!("cannot list ONNX Runtime's providers: {error}")),
	}
	Session::builder(&runtime.environment)
		.map_err(reason)?
		.with_execution_providers([cuda_provider(index)?])
		.map(drop)
		.map_err(|error| format!("registering the CUDA execution provider failed: {error}"))
}

/// "cpu", or "cuda:N (TF32 off)".
pub(super) fn describe(device: Device) -> String {
	match device {
		Device::Cpu => "the CPU".into(),
		Device::Cuda(_) => format!("{device} (CUDA execution provider, TF32 disabled)"),
	}
}
