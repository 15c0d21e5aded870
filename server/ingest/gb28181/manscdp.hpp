#pragma once
/// MANSCDP+xml bodies (GB/T 28181-2016 Appendix A) carried by SIP MESSAGE: the device's
/// Keepalive (A.2.5.2, 状态信息报送) and Alarm notification (A.2.5.3 / §9.4, 报警通知), their
/// mapping to a v1::Observation with a CameraAlarm payload, and the platform's Alarm Response
/// body (报警通知应答). Bodies declare GB2312 and may really be GB2312, GBK, GB18030 or UTF-8;
/// element names are matched without regard to case, because devices write <cmdType> and <info>.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gis/geo/result.hpp"
#include "quanyu/v1/observation.pb.h"

namespace quanyu::ingest::gb28181 {

/// AlarmMethod (报警方式), A.2.5.3.
enum class AlarmMethod {
  kTelephone = 1,    ///< 电话报警
  kDevice = 2,       ///< 设备报警
  kSms = 3,          ///< 短信报警
  kGps = 4,          ///< GPS报警
  kVideo = 5,        ///< 视频报警
  kDeviceFault = 6,  ///< 设备故障报警
  kOther = 7,        ///< 其他报警
};

/// Info/AlarmType values when AlarmMethod is 2 (device).
enum class DeviceAlarmType {
  kVideoLoss = 1,        ///< 视频丢失报警
  kTamper = 2,           ///< 设备防拆报警
  kDiskFull = 3,         ///< 存储设备磁盘满报警
  kHighTemperature = 4,  ///< 设备高温报警
  kLowTemperature = 5,   ///< 设备低温报警
};

/// Info/AlarmType values when AlarmMethod is 5 (video).
enum class VideoAlarmType {
  kManual = 1,             ///< 人工视频报警
  kMotion = 2,             ///< 运动目标检测报警
  kLeftObject = 3,         ///< 遗留物检测报警
  kObjectRemoved = 4,      ///< 物体移除检测报警
  kTripwire = 5,           ///< 绊线检测报警
  kIntrusion = 6,          ///< 入侵检测报警
  kRetrograde = 7,         ///< 逆行检测报警
  kLoitering = 8,          ///< 徘徊检测报警
  kFlowStatistics = 9,     ///< 流量统计报警
  kDensity = 10,           ///< 密度检测报警
  kVideoAbnormality = 11,  ///< 视频异常检测报警
  kFastMoving = 12,        ///< 快速移动报警
};

/// Info/AlarmType values when AlarmMethod is 6 (device fault).
enum class FaultAlarmType {
  kDiskFault = 1,  ///< 存储设备磁盘故障报警
  kFanFault = 2,   ///< 存储设备风扇故障报警
};

/// <Notify><CmdType>Keepalive</CmdType>: the device is alive.
struct Keepalive {
  std::string device_id;
  std::string status;  ///< "OK" or "ERROR"; empty when missing
};

/// <Notify><CmdType>Alarm</CmdType>, decoded and checked.
struct AlarmNotify {
  std::string sn;
  std::string device_id;     ///< the alarming device or channel (usually 20 digits)
  int priority = 0;          ///< 1 (一级警情, highest) .. 4
  int method = 0;            ///< AlarmMethod, 1..7
  std::int64_t time_us = 0;  ///< AlarmTime; a time without offset is Beijing time (UTC+8)
  std::string description;   ///< UTF-8, empty when missing
  /// WGS84 degrees; unset when missing or 0, which devices send for "unknown".
  std::optional<double> longitude;
  std::optional<double> latitude;
  int alarm_type = 0;             ///< Info/AlarmType (or a top-level AlarmType); 0 when not given
  std::optional<int> event_type;  ///< AlarmTypeParam/EventType: 1 entered the area, 2 left it
};

/// The command a MANSCDP body carries. Commands other than Keepalive and Alarm notifications
/// are recognised but not decoded (std::monostate).
struct ManscdpBody {
  std::string root;      ///< "Notify", "Response", "Query", "Control"
  std::string cmd_type;  ///< e.g. "Keepalive", "Alarm", "Catalog"
  std::string sn;
  std::string device_id;
  std::variant<std::monostate, Keepalive, AlarmNotify> command;
};

/// Parses a MANSCDP body. `charset` is the charset parameter of the SIP Content-Type, if any.
/// Errors name the field: code "invalid_xml" for XML that is not well-formed, "invalid_manscdp"
/// for a missing or bad CmdType, DeviceID, AlarmPriority, AlarmMethod, AlarmTime, Longitude,
/// Latitude, AlarmType or EventType.
Result<ManscdpBody> parse_manscdp(std::string_view body, std::string_view charset = {});

/// Maps an alarm to an observation: source "gb28181:<DeviceID>", camera_id DeviceID, type from
/// AlarmMethod/AlarmType (and the description for fire and smoke), priority, confidence 1,
/// observed_at AlarmTime, position WGS84 when known, and an id made of DeviceID, AlarmTime, SN,
/// method and type so that a device re-sending the same MESSAGE produces a duplicate.
v1::Observation to_observation(const AlarmNotify& alarm);

/// The CameraAlarm type for an AlarmMethod/AlarmType pair (before the description is consulted).
v1::CameraAlarm::Type camera_alarm_type(int method, int alarm_type);

/// The body of the platform's 报警通知应答 (§9.4 step 3): a Response with CmdType Alarm, the SN
/// and DeviceID of the notification, and Result OK.
std::string alarm_response_body(std::string_view sn, std::string_view device_id);

}  // namespace quanyu::ingest::gb28181
