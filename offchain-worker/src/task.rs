//! Placeholder: written by the worker-task work.
