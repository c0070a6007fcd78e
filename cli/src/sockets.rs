//! Counts TCP connections to a local port from the kernel's socket tables
//! (`/proc/net/tcp` and `/proc/net/tcp6`, Linux), so the number of connections a component
//! opens is measured from outside it rather than reported by it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Client-side sockets connected or connecting to `port` on this host's network
/// namespace; `None` where the socket tables cannot be read (not Linux).
///
/// The kernel writes a socket table a page at a time, walking its hash table again for
/// each page, so a read is no snapshot: while sockets open and close, one read can list
/// a socket twice, or a closed socket and the one opened after it. Each read counts a
/// local end once, and a socket counts when two reads in a row both list it: a socket
/// open through both is counted, a listing's passing artefact is not.
pub fn connections_to(port: u16) -> Option<usize> {
    let first = read_connections_to(port)?;
    let second = read_connections_to(port)?;
    Some(listed_by_both(&first, &second))
}

/// How many local ends both reads list.
fn listed_by_both(first: &HashSet<String>, second: &HashSet<String>) -> usize {
    first.intersection(second).count()
}

/// One read of the tables: the distinct local ends of client sockets to `port`.
fn read_connections_to(port: u16) -> Option<HashSet<String>> {
    let mut local_ends = HashSet::new();
    let mut read_any = false;
    for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        read_any = true;
        local_ends.extend(client_ends(&text, port).map(str::to_owned));
    }
    read_any.then_some(local_ends)
}

/// The local ends (`address:port`) of a socket table's client sockets to `port`, as
/// listed (a socket listed twice comes twice).
fn client_ends(table: &str, port: u16) -> impl Iterator<Item = &str> {
    table
        .lines()
        .skip(1)
        .filter(move |l| is_client_of(l, port))
        .filter_map(|l| l.split_whitespace().nth(1))
}

/// Whether one socket-table line is a socket whose remote end is `port` on a loopback
/// address (where the merchant listens), established or still connecting (`01`, `02`); a
/// server-side socket has `port` as its local end. Connections to the same port number
/// on other hosts, which other programs on a shared machine may hold, are not counted.
fn is_client_of(line: &str, port: u16) -> bool {
    let mut columns = line.split_whitespace();
    let (Some(_slot), Some(_local), Some(remote), Some(state)) = (
        columns.next(),
        columns.next(),
        columns.next(),
        columns.next(),
    ) else {
        return false;
    };
    let Some((address, hex_port)) = remote.rsplit_once(':') else {
        return false;
    };
    u16::from_str_radix(hex_port, 16).ok() == Some(port)
        && is_loopback(address)
        && matches!(state, "01" | "02")
}

/// Whether a socket table's address (hex, in the kernel's byte order) is loopback:
/// 127.0.0.0/8, `::1`, or IPv4-mapped 127.0.0.0/8.
fn is_loopback(address: &str) -> bool {
    match address.len() {
        // The first octet is the last byte printed (little-endian).
        8 => address.ends_with("7F"),
        32 => {
            address == "00000000000000000000000001000000"
                || (address.starts_with("0000000000000000FFFF0000") && address.ends_with("7F"))
        }
        _ => false,
    }
}

/// The largest [`connections_to`] seen while it runs, sampled every millisecond or so.
pub struct PeakConnections {
    peak: Arc<AtomicUsize>,
    readable: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PeakConnections {
    /// Starts sampling connections to `port` on a thread of its own.
    pub fn start(port: u16) -> PeakConnections {
        let peak = Arc::new(AtomicUsize::new(0));
        let readable = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (peak, readable, stop) = (peak.clone(), readable.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if let Some(now) = connections_to(port) {
                        readable.store(true, Ordering::Relaxed);
                        peak.fetch_max(now, Ordering::Relaxed);
                    }
                    std::thread::sleep(Duration::from_millis(1));
                }
            })
        };
        PeakConnections {
            peak,
            readable,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops sampling: the peak, or `None` if the socket tables could not be read.
    pub fn finish(mut self) -> Option<usize> {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.readable
            .load(Ordering::Relaxed)
            .then(|| self.peak.load(Ordering::Relaxed))
    }
}

impl Drop for PeakConnections {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_counts_when_its_remote_end_is_the_port_and_it_is_open() {
        // Lines as the kernel prints them: 127.0.0.1:40000 -> 127.0.0.1:8080 (0x1F90).
        let established =
            "   0: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  0 0 1 1";
        let time_wait =
            "   1: 0100007F:9C41 0100007F:1F90 06 00000000:00000000 00:00000000 00000000  0 0 0 1";
        let server_side =
            "   2: 0100007F:1F90 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  0 0 2 1";
        let v6 = "   3: 00000000000000000000000001000000:9C42 00000000000000000000000001000000:1F90 02 0:0 0:0 0 0 0 3 1";
        assert!(is_client_of(established, 8080));
        assert!(!is_client_of(time_wait, 8080));
        assert!(!is_client_of(server_side, 8080));
        assert!(is_client_of(v6, 8080));
        assert!(!is_client_of("", 8080));
        assert!(!is_client_of("garbage", 8080));
        // The same port number on another host (10.0.0.1) is someone else's server.
        let elsewhere =
            "   4: 0100007F:9C43 0100000A:1F90 01 00000000:00000000 00:00000000 00000000  0 0 4 1";
        assert!(!is_client_of(elsewhere, 8080));
        let mapped = "   5: 0000000000000000FFFF00000100007F:9C44 0000000000000000FFFF00000100007F:1F90 01 0:0 0:0 0 0 0 5 1";
        assert!(is_client_of(mapped, 8080));
    }

    #[test]
    fn a_socket_listed_twice_in_one_read_is_one_local_end() {
        let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
        let a =
            "   0: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  0 0 1 1";
        let b =
            "   1: 0100007F:9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  0 0 2 1";
        let table = [header, a, b, a].join("\n");
        let ends: std::collections::HashSet<&str> = client_ends(&table, 8080).collect();
        assert_eq!(client_ends(&table, 8080).count(), 3);
        assert_eq!(ends.len(), 2);
    }

    /// Under churn each read can list one socket more than were ever open at once: the
    /// first a socket closing and the one opened after it, the second another such pair.
    /// Only the sockets both reads list count.
    #[test]
    fn a_socket_counts_when_both_reads_list_it() {
        let line = |slot: u16, local_port: u16| {
            format!(
                "   {slot}: 0100007F:{local_port:04X} 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  0 0 {slot} 1"
            )
        };
        let header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode";
        // Two sockets open through both reads; 40001 closes during the first read and
        // 40002 replaces it, 40003 closes during the second and 40004 replaces it.
        let first = [
            header,
            &line(0, 40000),
            &line(1, 40001),
            &line(2, 40002),
            &line(3, 40010),
        ]
        .join("\n");
        let second = [
            header,
            &line(0, 40000),
            &line(1, 40003),
            &line(2, 40004),
            &line(3, 40010),
        ]
        .join("\n");
        let ends = |table: &str| -> HashSet<String> {
            client_ends(table, 8080).map(str::to_owned).collect()
        };
        let (first, second) = (ends(&first), ends(&second));
        assert_eq!((first.len(), second.len()), (4, 4));
        assert_eq!(listed_by_both(&first, &second), 2);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn an_open_connection_is_seen_in_the_tables() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        assert_eq!(connections_to(port), Some(0));
        let _a = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        let _b = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        assert_eq!(connections_to(port), Some(2));
    }
}
