//! SIGTERM and SIGINT, blocked and taken with sigtimedwait: works as PID 1
//! of a container too (a blocked signal is not dropped for init).

use anyhow::bail;
use container_hooks_core::error::io_fault;
use std::io;
use std::time::Duration;

pub struct Signals {
    set: libc::sigset_t,
}

impl Signals {
    /// Blocks SIGTERM and SIGINT; call before any thread starts.
    pub fn block() -> anyhow::Result<Signals> {
        // SAFETY: sigset_t is plain data; the calls only fill it and set
        // this thread's mask (no other threads exist yet).
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGTERM);
            libc::sigaddset(&mut set, libc::SIGINT);
            let rc = libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            if rc != 0 {
                bail!(
                    "cannot block SIGTERM: {}",
                    io_fault(&io::Error::from_raw_os_error(rc))
                );
            }
            Ok(Signals { set })
        }
    }

    /// Waits up to `timeout` for one of the signals.
    pub fn wait(&self, timeout: Duration) -> anyhow::Result<Option<i32>> {
        let ts = libc::timespec {
            tv_sec: timeout.as_secs() as libc::time_t,
            tv_nsec: timeout.subsec_nanos() as libc::c_long,
        };
        // SAFETY: the set and timespec outlive the call; no siginfo wanted.
        let rc = unsafe { libc::sigtimedwait(&self.set, std::ptr::null_mut(), &ts) };
        if rc > 0 {
            return Ok(Some(rc));
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EAGAIN) | Some(libc::EINTR) => Ok(None),
            _ => bail!("sigtimedwait: {}", io_fault(&e)),
        }
    }
}

/// The name of a signal the installer handles.
pub fn name(sig: i32) -> &'static str {
    match sig {
        libc::SIGTERM => "SIGTERM",
        libc::SIGINT => "SIGINT",
        _ => "signal",
    }
}
