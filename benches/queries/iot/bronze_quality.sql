select device_id, count(*) as events, count(*) - count(heart_rate) as missing_hr
from bronze.vitals_raw
group by device_id
order by device_id
