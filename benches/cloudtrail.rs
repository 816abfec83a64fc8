//! Syncing a month of CloudTrail's own S3 delivery: 30 days × 24 log files ×
//! 5,000 records (`AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/*.json.gz`,
//! each `{"Records": [...]}`), a realistic mix of API calls of which a few
//! percent are `AttachVolume`/`DetachVolume`. Prints the time of a first sync,
//! of a second (every file unchanged), DuckDB's bare read of the same files,
//! and the peak RSS of this process (VmHWM). Asserts nothing about time.
//!
//! `cargo bench --bench cloudtrail` (APPORTION_BENCH_DAYS, APPORTION_BENCH_FILES
//! per day and APPORTION_BENCH_RECORDS per file for a smaller run).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use apportion::db::Db;
use apportion::ingest::{FileStatus, sync_paths};

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn main() {
    let days = env_number("APPORTION_BENCH_DAYS", 30);
    let files = env_number("APPORTION_BENCH_FILES", 24);
    let records = env_number("APPORTION_BENCH_RECORDS", 5_000);
    let base = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    let work = base
        .join("bench-data")
        .join(format!("cloudtrail-{days}x{files}x{records}"));
    let logs = work.join("AWSLogs");
    let (attach_calls, bytes) = generate_once(&logs, days, files, records);
    println!(
        "month: {days} days × {files} files × {records} records = {} records ({attach_calls} attach/detach calls), {:.0} MiB gzip",
        days * files * records,
        bytes as f64 / (1 << 20) as f64
    );

    let bare = bare_read(&logs);
    println!("bare DuckDB read_json of every record's eventName: {bare:.1}s");

    let db_path = work.join("bench.duckdb");
    for p in [db_path.clone(), db_path.with_extension("duckdb.wal")] {
        let _ = std::fs::remove_file(p);
    }
    let db = Db::open(&db_path).expect("open");
    let t = Instant::now();
    let report = sync_paths(&db, std::slice::from_ref(&logs), &mut ()).expect("sync");
    let first = t.elapsed().as_secs_f64();
    let (loaded, rows) = report.files.iter().fold((0, 0), |(n, r), f| match f.status {
        FileStatus::LoadedRecords { rows, .. } => (n + 1, r + rows),
        _ => (n, r),
    });
    println!("apportion sync of the folder: {first:.1}s ({loaded} files, {rows} attach/detach events kept)");
    let t = Instant::now();
    sync_paths(&db, std::slice::from_ref(&logs), &mut ()).expect("sync again");
    println!(
        "the same sync again (every file unchanged): {:.2}s",
        t.elapsed().as_secs_f64()
    );
    println!("peak RSS (VmHWM): {:.0} MiB", peak_rss_kib() as f64 / 1024.0);
}

/// DuckDB alone, reading the eventName of every record of every file.
fn bare_read(logs: &Path) -> f64 {
    let conn = duckdb::Connection::open_in_memory().expect("duckdb");
    let glob = format!("{}/**/*.json.gz", logs.display()).replace('\'', "''");
    let t = Instant::now();
    let n: i64 = conn
        .query_row(
            &format!(
                "SELECT count(*) FROM (SELECT unnest(Records) AS r FROM read_json('{glob}', format = 'auto', records = true, \
                 columns = {{'Records': 'STRUCT(eventName VARCHAR)[]'}}, maximum_object_size = 268435456))"
            ),
            [],
            |r| r.get(0),
        )
        .expect("bare read");
    assert!(n > 0);
    t.elapsed().as_secs_f64()
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A small deterministic generator (xorshift), so every run reads the same month.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Write the month once (a marker file says it is complete); returns the
/// number of attach/detach calls and the bytes written.
fn generate_once(logs: &Path, days: usize, files: usize, records: usize) -> (usize, u64) {
    let done = logs.join(".complete");
    if let Ok(text) = std::fs::read_to_string(&done) {
        let mut parts = text.split_whitespace().map(|v| v.parse().unwrap_or(0));
        return (parts.next().unwrap_or(0) as usize, parts.next().unwrap_or(0));
    }
    let t = Instant::now();
    let mut rng = Random(0x9e37_79b9_7f4a_7c15);
    let (mut attach_calls, mut bytes) = (0, 0u64);
    let mut attached: Vec<Option<usize>> = vec![None; 400];
    for day in 1..=days {
        let folder = logs.join(format!("111122223333/CloudTrail/us-east-1/2026/07/{day:02}"));
        std::fs::create_dir_all(&folder).expect("folder");
        for file in 0..files {
            let hour = file * 24 / files;
            let mut text = String::with_capacity(records * 1400);
            text.push_str("{\"Records\":[");
            for n in 0..records {
                if n > 0 {
                    text.push(',');
                }
                let at = format!(
                    "2026-07-{day:02}T{hour:02}:{:02}:{:02}Z",
                    n * 60 / records,
                    rng.below(60)
                );
                attach_calls += usize::from(write_record(&mut text, &mut rng, &at, &mut attached));
            }
            text.push_str("]}");
            let path = folder.join(format!(
                "111122223333_CloudTrail_us-east-1_202607{day:02}T{hour:02}{:02}Z_{:016x}.json.gz",
                file % 2 * 30,
                rng.next()
            ));
            let out = std::fs::File::create(&path).expect("create");
            let mut gz = flate2::write::GzEncoder::new(std::io::BufWriter::new(out), flate2::Compression::fast());
            gz.write_all(text.as_bytes()).expect("write");
            gz.finish().expect("finish").flush().expect("flush");
            bytes += std::fs::metadata(&path).map_or(0, |m| m.len());
        }
    }
    std::fs::write(&done, format!("{attach_calls} {bytes}")).expect("marker");
    println!("generated in {:.0}s", t.elapsed().as_secs_f64());
    (attach_calls, bytes)
}

const USER: &str = r#""userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:session","arn":"arn:aws:sts::111122223333:assumed-role/deploy/session","accountId":"111122223333","accessKeyId":"ASIAEXAMPLE","sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLE","arn":"arn:aws:iam::111122223333:role/deploy","accountId":"111122223333","userName":"deploy"},"attributes":{"creationDate":"2026-07-01T00:00:00Z","mfaAuthenticated":"false"}}}"#;

/// One record of a realistic mix; true when it is an attach or detach call.
fn write_record(text: &mut String, rng: &mut Random, at: &str, attached: &mut [Option<usize>]) -> bool {
    use std::fmt::Write as _;
    let id = rng.next();
    let head = |text: &mut String, name: &str, source: &str| {
        let _ = write!(
            text,
            "{{\"eventVersion\":\"1.09\",{USER},\"eventTime\":\"{at}\",\"eventSource\":\"{source}\",\"eventName\":\"{name}\",\
             \"awsRegion\":\"us-east-1\",\"sourceIPAddress\":\"10.0.{}.{}\",\"userAgent\":\"aws-sdk-go-v2/1.30.0 os/linux lang/go#1.22\",",
            id % 250,
            id / 250 % 250
        );
    };
    let tail = |text: &mut String| {
        let _ = write!(
            text,
            "\"requestID\":\"{id:032x}\",\"eventID\":\"{:032x}\",\"readOnly\":false,\"eventType\":\"AwsApiCall\",\
             \"managementEvent\":true,\"recipientAccountId\":\"111122223333\",\"eventCategory\":\"Management\",\
             \"tlsDetails\":{{\"tlsVersion\":\"TLSv1.3\",\"cipherSuite\":\"TLS_AES_128_GCM_SHA256\",\"clientProvidedHostHeader\":\"ec2.us-east-1.amazonaws.com\"}}}}",
            id.rotate_left(17)
        );
    };
    let pick = rng.below(1000);
    match pick {
        // About 3% attach or detach calls, a few of them failed.
        0..=29 => {
            let volume = rng.below(attached.len() as u64) as usize;
            let instance = rng.below(300) as usize;
            let failed = rng.below(20) == 0;
            let error = if failed {
                "\"errorCode\":\"Client.VolumeInUse\",\"errorMessage\":\"vol in use\","
            } else {
                ""
            };
            if let Some(on) = attached[volume] {
                head(text, "DetachVolume", "ec2.amazonaws.com");
                let _ = write!(
                    text,
                    "{error}\"requestParameters\":{{\"volumeId\":\"vol-{volume:017x}\",\"force\":false}},\
                     \"responseElements\":{{\"requestId\":\"r\",\"volumeId\":\"vol-{volume:017x}\",\"instanceId\":\"i-{on:017x}\",\"device\":\"/dev/sdf\",\"status\":\"detaching\",\"attachTime\":1782864000000}},"
                );
                if !failed {
                    attached[volume] = None;
                }
            } else {
                head(text, "AttachVolume", "ec2.amazonaws.com");
                let _ = write!(
                    text,
                    "{error}\"requestParameters\":{{\"volumeId\":\"vol-{volume:017x}\",\"instanceId\":\"i-{instance:017x}\",\"device\":\"/dev/sdf\"}},\
                     \"responseElements\":{}",
                    if failed {
                        "null,".to_owned()
                    } else {
                        format!(
                            "{{\"requestId\":\"r\",\"volumeId\":\"vol-{volume:017x}\",\"instanceId\":\"i-{instance:017x}\",\"device\":\"/dev/sdf\",\"status\":\"attaching\",\"attachTime\":1782864000000}},"
                        )
                    }
                );
                if !failed {
                    attached[volume] = Some(instance);
                }
            }
            tail(text);
            return !failed;
        }
        30..=329 => {
            head(text, "AssumeRole", "sts.amazonaws.com");
            let _ = write!(
                text,
                "\"requestParameters\":{{\"roleArn\":\"arn:aws:iam::111122223333:role/app-{}\",\"roleSessionName\":\"s{id}\",\"durationSeconds\":3600}},\
                 \"responseElements\":{{\"credentials\":{{\"accessKeyId\":\"ASIA{id:X}\",\"sessionToken\":\"{id:064x}\",\"expiration\":\"Jul 1, 2026, 1:00:00 AM\"}},\
                 \"assumedRoleUser\":{{\"assumedRoleId\":\"AROA:s\",\"arn\":\"arn:aws:sts::111122223333:assumed-role/app/s\"}}}},\
                 \"resources\":[{{\"accountId\":\"111122223333\",\"type\":\"AWS::IAM::Role\",\"ARN\":\"arn:aws:iam::111122223333:role/app\"}}],\"sharedEventID\":\"{id:x}\",",
                id % 40
            );
        }
        330..=529 => {
            head(text, "DescribeInstances", "ec2.amazonaws.com");
            let _ = write!(
                text,
                "\"requestParameters\":{{\"instancesSet\":{{\"items\":[{{\"instanceId\":\"i-{:017x}\"}},{{\"instanceId\":\"i-{:017x}\"}}]}},\"filterSet\":{{}}}},\"responseElements\":null,",
                id % 300,
                id / 7 % 300
            );
        }
        530..=649 => {
            head(text, "GenerateDataKey", "kms.amazonaws.com");
            let _ = write!(
                text,
                "\"requestParameters\":{{\"keyId\":\"arn:aws:kms:us-east-1:111122223333:key/{id:x}\",\"encryptionContext\":{{\"aws:s3:arn\":\"arn:aws:s3:::bucket-{}\"}},\"keySpec\":\"AES_256\"}},\
                 \"responseElements\":null,\"resources\":[{{\"accountId\":\"111122223333\",\"type\":\"AWS::KMS::Key\",\"ARN\":\"arn:aws:kms:us-east-1:111122223333:key/{id:x}\"}}],",
                id % 90
            );
        }
        650..=749 => {
            head(text, "PutMetricData", "monitoring.amazonaws.com");
            text.push_str("\"requestParameters\":null,\"responseElements\":null,");
        }
        750..=819 => {
            head(text, "UpdateInstanceInformation", "ssm.amazonaws.com");
            let _ = write!(
                text,
                "\"requestParameters\":{{\"instanceId\":\"i-{:017x}\",\"agentVersion\":\"3.3.0\",\"platformType\":\"Linux\",\"iPAddress\":\"10.0.0.1\",\"availabilityZone\":\"us-east-1a\"}},\"responseElements\":null,",
                id % 300
            );
        }
        820..=879 => {
            head(text, "RunInstances", "ec2.amazonaws.com");
            let _ = write!(
                text,
                "\"requestParameters\":{{\"instancesSet\":{{\"items\":[{{\"imageId\":\"ami-{id:x}\",\"minCount\":1,\"maxCount\":1}}]}},\
                 \"blockDeviceMapping\":{{\"items\":[{{\"deviceName\":\"/dev/xvda\",\"ebs\":{{\"volumeSize\":30,\"deleteOnTermination\":true,\"volumeType\":\"gp3\"}}}}]}},\
                 \"instanceType\":\"m6i.large\",\"monitoring\":{{\"enabled\":false}},\"disableApiTermination\":false,\
                 \"tagSpecificationSet\":{{\"items\":[{{\"resourceType\":\"instance\",\"tags\":[{{\"key\":\"product_area\",\"value\":\"search\"}},{{\"key\":\"aws:ecs:clusterName\",\"value\":\"prod\"}}]}}]}}}},\
                 \"responseElements\":{{\"requestId\":\"r\",\"reservationId\":\"r-{id:x}\",\"ownerId\":\"111122223333\",\"groupSet\":{{}},\
                 \"instancesSet\":{{\"items\":[{{\"instanceId\":\"i-{:017x}\",\"currentState\":{{\"code\":0,\"name\":\"pending\"}},\"productCodes\":{{}},\
                 \"placement\":{{\"availabilityZone\":\"us-east-1a\",\"tenancy\":\"default\"}},\"blockDeviceMapping\":{{}},\"ebsOptimized\":true}}]}}}},",
                id % 300
            );
        }
        880..=929 => {
            head(text, "CreateTags", "ec2.amazonaws.com");
            let _ = write!(
                text,
                "\"requestParameters\":{{\"resourcesSet\":{{\"items\":[{{\"resourceId\":\"vol-{:017x}\"}}]}},\"tagSet\":{{\"items\":[{{\"key\":\"team\",\"value\":null}}]}}}},\"responseElements\":{{\"_return\":true}},",
                id % 400
            );
        }
        930..=969 => {
            head(text, "ConsoleLogin", "signin.amazonaws.com");
            text.push_str(
                "\"requestParameters\":null,\"responseElements\":{\"ConsoleLogin\":\"Success\"},\
                 \"additionalEventData\":{\"LoginTo\":\"https://console.aws.amazon.com/console/home\",\"MobileVersion\":\"No\",\"MFAUsed\":\"Yes\"},",
            );
        }
        970..=989 => {
            head(text, "DescribeVolumes", "ec2.amazonaws.com");
            text.push_str("\"errorCode\":\"Client.UnauthorizedOperation\",\"errorMessage\":\"not allowed\",\"requestParameters\":{\"volumeSet\":{},\"filterSet\":{\"items\":[{\"name\":\"attachment.instance-id\",\"valueSet\":{\"items\":[{\"value\":\"i-1\"}]}}]}},\"responseElements\":null,");
        }
        _ => {
            head(text, "ModifyVolume", "ec2.amazonaws.com");
            let _ = write!(
                text,
                "\"requestParameters\":{{\"ModifyVolumeRequest\":{{\"VolumeId\":\"vol-{:017x}\",\"Size\":200}}}},\"responseElements\":{{\"ModifyVolumeResponse\":{{\"volumeModification\":{{\"modificationState\":\"modifying\",\"progress\":0}}}}}},",
                id % 400
            );
        }
    }
    tail(text);
    false
}
