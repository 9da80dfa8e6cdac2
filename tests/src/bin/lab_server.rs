//! `lab-server NETWORK`: serves one dns-lab network on a free port of its addresses, prints
//! `ready port=N roots=ADDR,...` and serves until stdin is closed. See
//! `integration_tests::lab` for why it is a process of its own.

use std::io::Write;
use std::net::IpAddr;
use std::process::ExitCode;

use integration_tests::lab::{ready_line, LabNetwork};

fn main() -> ExitCode {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(network) = LabNetwork::from_name(&name) else {
        let names: Vec<&str> = LabNetwork::ALL.iter().map(|n| n.name()).collect();
        eprintln!("usage: lab-server <{}>", names.join("|"));
        return ExitCode::from(2);
    };
    let network = network.build();
    // Every address of every root server, so a test can pick a family.
    let roots: Vec<IpAddr> = network
        .roots
        .iter()
        .flat_map(|root| match network.server(*root) {
            Some(server) => server.addrs().collect(),
            None => vec![IpAddr::V4(*root)],
        })
        .collect();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("lab-server: cannot start a runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let lab = match dns_lab::serve(network, 0).await {
            Ok(lab) => lab,
            Err(e) => {
                eprintln!("lab-server: {e}");
                return ExitCode::FAILURE;
            }
        };
        let mut stdout = std::io::stdout();
        if writeln!(stdout, "{}", ready_line(lab.port, &roots))
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return ExitCode::FAILURE;
        }
        // Serve until whoever started us closes our stdin (or dies).
        let _ = tokio::task::spawn_blocking(|| {
            std::io::copy(&mut std::io::stdin(), &mut std::io::sink())
        })
        .await;
        lab.shutdown().await;
        ExitCode::SUCCESS
    })
}
