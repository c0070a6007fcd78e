//! The members every signed SwiftPass answer and notification carries, declared once.

/// The members every SwiftPass answer carries, spliced into each answer's table.
macro_rules! answer {
    ($(#[$attr:meta])* $name:ident { $($fields:tt)* }) => {
        $(#[$attr])*
        #[derive(Debug, Clone, PartialEq, Eq, PayResponse)]
        #[pay(format = "xml", sign = "md5-sorted", sign_key = "key", signed_if(status = "0"))]
        pub struct $name {
            /// 版本号
            #[pay(len = ..=8)]
            pub version: Option<String>,
            /// 字符集
            #[pay(len = ..=8)]
            pub charset: Option<String>,
            /// 签名方式
            #[pay(one_of("MD5", "RSA_1_256"))]
            pub sign_type: Option<String>,
            /// 返回状态码: 0 表示成功
            #[pay(len = 1..=16, alphanumeric)]
            pub status: String,
            /// 返回信息
            pub message: Option<String>,
            /// 业务结果: 0 表示成功
            #[pay(len = 1..=16, alphanumeric)]
            pub result_code: String,
            /// 商户号
            #[pay(len = 1..=45, alphanumeric)]
            pub mch_id: String,
            /// 设备号
            #[pay(len = ..=32)]
            pub device_info: Option<String>,
            /// 随机字符串
            #[pay(len = 1..=32, alphanumeric)]
            pub nonce_str: String,
            /// 错误代码
            pub err_code: Option<String>,
            /// 错误代码描述
            pub err_msg: Option<String>,
            $($fields)*
        }
    };
}

pub(crate) use answer;
