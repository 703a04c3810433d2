use reqwest::StatusCode;
use rigmaster_tests::spawn_simulator;

#[tokio::test]
async fn the_simulator_runs_in_process_on_a_random_port() {
    let simulator = spawn_simulator(None).await;

    let response = reqwest::get(format!("{}/_sim/health", simulator.address)).await.unwrap();

    assert_eq!(response.status(), StatusCode::OK);
    assert!(simulator.api_base().ends_with("/v1"));
}
