//! The `scigrant` command: `serve` (the default) runs the product,
//! `migrate` applies migrations, `staff add` creates a staff account whose
//! activation code goes by SMS to the member's mobile, `audit verify`
//! checks the chain and `audit purge` removes records past their retention,
//! `storage migrate --to s3://…` copies the stored
//! documents to another storage, `import accounts FILE` brings in a
//! predecessor system's accounts (火炬中心用户转移), `backup DIR` and `restore DIR` save and
//! bring back a whole installation (docs/operations.md has the drill).

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use scigrant_app::admin::audit::{Upgraded, purge_expired, seal_and_verify_audit, upgrade_chain};
use scigrant_app::admin::staff::{StaffInvite, bootstrap_admin, invite_staff};
use scigrant_app::admin::storage::migrate_storage;
use scigrant_app::identity::legacy::import::{ImportReport, Outcome, import_accounts};
use scigrant_app::identity::legacy::{Case, Lookup};
use scigrant_app::{Actor, App, Config, SystemClock};
use scigrant_web::AppState;
use scigrant_web::staff::logs::chain_problem_text;

#[derive(Parser)]
#[command(name = "scigrant", version, about = "SciGrant 科技计划项目管理平台")]
struct Cli {
    /// Configuration file (default: ./scigrant.toml when present).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server (the default).
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Staff accounts.
    Staff {
        #[command(subcommand)]
        action: StaffCmd,
    },
    /// Audit log.
    Audit {
        #[command(subcommand)]
        action: AuditCmd,
    },
    /// Take a consistent backup, while the service runs, into DIR (new or
    /// empty): the database (SQLite copy or pg_dump), stored files, the
    /// PII key, the audit anchor and manifest.json.
    Backup { dir: PathBuf },
    /// Restore the backup in DIR into this configuration's empty data
    /// directory and database, then check it.
    Restore {
        dir: PathBuf,
        /// Overwrite a data directory or database that already holds data.
        #[arg(long)]
        force: bool,
    },
    /// Stored documents.
    Storage {
        #[command(subcommand)]
        action: StorageCmd,
    },
    /// Bring in data from a predecessor system.
    Import {
        #[command(subcommand)]
        action: ImportCmd,
    },
}

#[derive(Subcommand)]
enum ImportCmd {
    /// 火炬中心用户转移: a predecessor's accounts from FILE (.csv or .xlsx,
    /// columns in docs/operations.md); prints the count of each of the
    /// seed's cases. Safe to run again (imported rows are skipped).
    Accounts {
        file: PathBuf,
        /// Decide every row and print the counts, but keep nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum StorageCmd {
    /// Copy every recorded document from the configured storage to another
    /// (`s3://bucket/prefix` or `file://PATH`), verifying each copy by its
    /// SM3 digest; safe to run again (copies only what is missing).
    Migrate {
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum StaffCmd {
    /// Add a staff account; a one-time activation code goes by SMS to the
    /// member's mobile, who sets the password at /staff/activate.
    Add {
        #[arg(long)]
        login: String,
        /// sysadmin, secadmin, auditor or reviewer.
        #[arg(long)]
        role: String,
        #[arg(long)]
        name: Option<String>,
        /// The new member's own mobile number.
        #[arg(long)]
        mobile: String,
    },
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Seal new records into the keyed SM3 chain and verify it against this
    /// node's anchor file (`<data_dir>/audit.anchor`).
    Verify,
    /// Purge the audit records older than `--keep-days` days (at least 180;
    /// the chain must verify first and verifies afterwards).
    Purge {
        #[arg(long)]
        keep_days: u32,
    },
    /// Once, after upgrading from a release that sealed with plain SM3:
    /// check the old links, the keyed ones after them and this node's
    /// anchor, and record where the old links end.
    UpgradeChain,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let outcome = match Config::load(cli.config.as_deref()) {
        Ok(config) => {
            // Kept to the end: dropping it flushes the queued log lines.
            let _log = scigrant_web::ops::logging::init(&config.log_format);
            run(cli, config).await
        }
        Err(e) => Err(e.into()),
    };
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误：{e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn open(config: Config) -> Result<App, Box<dyn std::error::Error>> {
    // `App::open` makes the data directory, 0700.
    Ok(App::open(config, Arc::new(SystemClock)).await?)
}

async fn run(cli: Cli, config: Config) -> Result<(), Box<dyn std::error::Error>> {
    match &cli.command {
        Some(Command::Backup { dir }) => {
            let app = open(config).await?;
            let m = scigrant_app::ops::backup::backup(&app, dir).await?;
            println!(
                "备份完成：{}（{} 数据库，{} 个文件，{} 份申报书，{} 条审计记录）",
                dir.display(),
                m.backend,
                m.files.len(),
                m.counts.get("applications").copied().unwrap_or(0),
                m.counts.get("audit_log").copied().unwrap_or(0),
            );
            Ok(())
        }
        Some(Command::Restore { dir, force }) => {
            let r = scigrant_app::ops::restore::restore(config, Arc::new(SystemClock), dir, *force)
                .await?;
            println!(
                "恢复完成：{} 个文件已放回，{} 份已提交申报书的摘要校验通过，审计链 {} 条记录完整",
                r.manifest.files.len(),
                r.applications_verified,
                r.audit_sealed
            );
            Ok(())
        }
        None | Some(Command::Serve) => serve(config).await,
        Some(Command::Migrate) => {
            open(config).await?;
            println!("数据库迁移已完成");
            Ok(())
        }
        Some(Command::Staff {
            action:
                StaffCmd::Add {
                    login,
                    role,
                    name,
                    mobile,
                },
        }) => {
            let app = open(config).await?;
            let f = StaffInvite {
                login: login.clone(),
                name: name.clone().unwrap_or_else(|| login.clone()),
                role: role.clone(),
                mobile: mobile.clone(),
            };
            match invite_staff(&app, &Actor::system(), &f).await {
                Ok(id) => {
                    println!(
                        "已创建后台账号 {login}（编号 {id}），激活码已通过短信发送至本人手机，本人在 /staff/activate 激活并设置密码后方可登录（72小时内有效）"
                    );
                    Ok(())
                }
                Err(scigrant_app::AppError::Validation(e)) => {
                    let msgs: Vec<String> = e.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    Err(msgs.join("；").into())
                }
                Err(e) => Err(e.into()),
            }
        }
        Some(Command::Audit {
            action: AuditCmd::Verify,
        }) => {
            let app = open(config).await?;
            let check = seal_and_verify_audit(&app).await?;
            if check.intact() {
                println!(
                    "审计链完整：{} 条记录，与本节点的链外锚点一致",
                    check.sealed
                );
                return Ok(());
            }
            for p in &check.problems {
                eprintln!("审计链校验失败：{}", chain_problem_text(p));
            }
            Err(format!("审计链校验失败：发现 {} 处问题", check.problems.len()).into())
        }
        Some(Command::Audit {
            action: AuditCmd::Purge { keep_days },
        }) => {
            let app = open(config).await?;
            let actor = scigrant_app::Actor::system();
            let purged = purge_expired(&app, &actor, *keep_days).await?;
            println!(
                "已清理 {} 条 {keep_days} 天以前的审计记录；审计链自第 {} 条之后继续校验",
                purged.records, purged.before_seq
            );
            Ok(())
        }
        Some(Command::Audit {
            action: AuditCmd::UpgradeChain,
        }) => {
            let app = open(config).await?;
            match upgrade_chain(&app, &scigrant_app::Actor::system()).await? {
                Upgraded::Done { through_seq } => {
                    println!("已接管旧版审计链：第 1–{through_seq} 条按旧版（SM3）校验，此后为密钥链");
                    Ok(())
                }
                Upgraded::NotNeeded => {
                    println!("无需接管：审计链自第 1 条起即为密钥链，或已接管");
                    Ok(())
                }
                Upgraded::Refused { seq } => Err(format!(
                    "不能接管：第 {seq} 条既不符合旧版链也不符合密钥链，或与本节点的链外锚点不符；请先运行 scigrant audit verify 核查"
                )
                .into()),
            }
        }
        Some(Command::Import {
            action: ImportCmd::Accounts { file, dry_run },
        }) => {
            let app = open(config).await?;
            let bytes = std::fs::read(file)?;
            let name = file.display().to_string();
            let r = import_accounts(&app, &Actor::system(), &name, &bytes, *dry_run)
                .await
                .map_err(validation_text)?;
            for row in &r.rows {
                if let Outcome::Refused(why) = &row.outcome {
                    eprintln!("第{}行未导入：{why}", row.line);
                }
            }
            print!("{}", import_counts(&r));
            Ok(())
        }
        Some(Command::Storage {
            action: StorageCmd::Migrate { to },
        }) => {
            let app = open(config).await?;
            let from = app.config.storage_url()?;
            println!("正在将文件从 {from} 复制到 {to} ……");
            let r = migrate_storage(&app, to).await?;
            for (id, key, why) in &r.failed {
                eprintln!("复制失败：文件 {id}（{key}）：{why}");
            }
            println!(
                "存储迁移完成：新复制 {} 个，目标中已存在且校验一致 {} 个，失败 {} 个",
                r.copied,
                r.present,
                r.failed.len()
            );
            if r.failed.is_empty() {
                Ok(())
            } else {
                Err(format!("{} 个文件未能复制，请处理后重新运行", r.failed.len()).into())
            }
        }
    }
}

async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let app = open(config).await?;
    let cfg = app.config.clone();
    if cfg.test_captcha.is_some() {
        eprintln!(
            "!!! 警告：SCIGRANT_TEST_CAPTCHA 已设置，所有图形验证码均接受固定答案。仅限自动化测试，切勿用于生产环境 !!!"
        );
    }
    if cfg.allow_weak_password_hashing {
        eprintln!("!!! 警告：已允许低强度密码哈希（仅限测试） !!!");
    }
    let listener = tokio::net::TcpListener::bind(&cfg.listen).await?;
    let addr = listener.local_addr()?;
    println!("SciGrant 已启动：{}（监听 {addr}）", cfg.public_url);
    println!(
        "数据目录：{}；数据库：{}",
        cfg.data_dir.display(),
        redact_url(&cfg.database_url())
    );
    println!("文件存储：{}", cfg.storage_url()?);
    let first = match bootstrap_admin(&app).await {
        Ok(first) => first,
        Err(scigrant_app::AppError::Validation(e)) => {
            let msgs: Vec<String> = e.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
            return Err(format!("无法创建首个系统管理员：{}", msgs.join("；")).into());
        }
        Err(e) => return Err(e.into()),
    };
    if let Some((login, password)) = first {
        println!("首次启动，已创建系统管理员：");
        println!("  后台登录地址：{}/staff/login", cfg.public_url);
        println!("  登录名：{login}（可用 admin_login / SCIGRANT_ADMIN_LOGIN 预先指定）");
        println!("  一次性密码：{password}");
        println!("  首次登录后须立即修改密码。");
    } else {
        println!("后台登录地址：{}/staff/login", cfg.public_url);
    }
    scigrant_web::serve(AppState::new(app), listener).await?;
    Ok(())
}

/// A use case's field errors as one line; other errors as they are.
fn validation_text(e: scigrant_app::AppError) -> Box<dyn std::error::Error> {
    match e {
        scigrant_app::AppError::Validation(e) => {
            let msgs: Vec<String> = e.0.values().map(|v| v.to_string()).collect();
            msgs.join("；").into()
        }
        e => e.into(),
    }
}

/// The counts of an import, one line per lookup and case.
fn import_counts(r: &ImportReport) -> String {
    let mut out = String::new();
    out.push_str(if r.dry_run {
        "试运行（未保存任何数据）：\n"
    } else {
        "导入完成：\n"
    });
    for (lookup, what) in [(Lookup::Unit, "企业账号"), (Lookup::Person, "个人账号")] {
        let counts: Vec<String> = Case::ALL
            .iter()
            .zip(["第一种", "第二种", "第三种", "第四种"])
            .map(|(c, label)| format!("{label} {}", r.count(lookup, *c)))
            .collect();
        out.push_str(&format!("  {what}：{}\n", counts.join("，")));
    }
    out.push_str(&format!(
        "  已导入过（跳过）{}，有误未导入 {}\n",
        r.already(),
        r.refused()
    ));
    out
}

/// Hides a password in a database URL before printing it.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
