//! A Candor server as a child process for crash tests: `--listen ADDR
//! --data-dir DIR`. Prints `listening ADDR` once it accepts connections.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Parser)]
struct Args {
    #[arg(long)]
    listen: SocketAddr,
    #[arg(long)]
    data_dir: PathBuf,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let config = candor_tests::test_config(&args.data_dir);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!("listening {}", listener.local_addr()?);
    candor_server::serve(&config, listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
